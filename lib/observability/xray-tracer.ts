/**
 * The Powertools Tracer as Middy middleware: loaded only by tracing.ts when tracing is on. `sls package` ships
 * this module as a file of its own beside the handler (lib/deploy/lazy-chunks.ts), so that a function with
 * tracing off neither evaluates nor parses the X-Ray SDK.
 */
import type { MiddlewareObj } from '@middy/core';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

export function tracerMiddleware(serviceName: string): MiddlewareObj {
  return captureLambdaHandler(new Tracer({ serviceName }), { captureResponse: false });
}
