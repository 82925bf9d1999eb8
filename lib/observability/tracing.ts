/**
 * X-Ray tracing (Powertools Tracer) behind serverless.yml's `tracing` param, off by default. The Tracer pulls
 * in aws-xray-sdk-core, which costs cold-start time: xray-tracer.ts is loaded (a dynamic import) on the first
 * invocation only when POWERTOOLS_TRACE_ENABLED is true, and `sls package` ships it as a file of its own
 * (lib/deploy/lazy-chunks.ts), so a function with tracing off neither evaluates nor parses it.
 */
import type { MiddlewareObj, Request } from '@middy/core';

/** Whether the deploy turned tracing on (`--param tracing=true` sets this variable). */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() === 'true';
}

async function loadTracing(serviceName: string): Promise<MiddlewareObj> {
  const { tracerMiddleware } = await import('./xray-tracer');
  return tracerMiddleware(serviceName);
}

/** Middy middleware: the Tracer's handler segment when tracing is on, nothing (and nothing loaded) when off. */
export function tracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): MiddlewareObj {
  // Middy wants at least one hook.
  if (!tracingEnabled(env)) return { before: () => undefined };
  let inner: Promise<MiddlewareObj> | undefined;
  const middleware = () => (inner ??= loadTracing(serviceName));
  return {
    before: async (request: Request) => {
      await (await middleware()).before?.(request);
    },
    after: async (request: Request) => {
      await (await middleware()).after?.(request);
    },
    onError: async (request: Request) => {
      await (await middleware()).onError?.(request);
    },
  };
}
