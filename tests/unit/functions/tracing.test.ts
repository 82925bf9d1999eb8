/**
 * Tracing behind its param (lib/observability/tracing.ts): off, the X-Ray SDK is never loaded (it costs cold
 * start); on, Powertools Tracer wraps the handler. The deploy grants the X-Ray writes only when it is on.
 */
import middy from '@middy/core';
import { resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { deployTemplate } from '../../../lib/deploy/index';
import { XRAY_WRITE } from '../../../lib/deploy/tracing';
import { loadPipeline } from '../../../lib/pipeline/load';
import { tracing, tracingEnabled } from '../../../lib/observability/tracing';

const loaded: string[] = [];
jest.mock('@aws-lambda-powertools/tracer', () => {
  loaded.push('tracer');
  return jest.requireActual('@aws-lambda-powertools/tracer');
});

const context = { awsRequestId: 'unit', functionName: 'fn' } as Context;
const handlerWith = (env: NodeJS.ProcessEnv) => middy(async () => ({ ok: true })).use(tracing('unit', env));

beforeEach(() => {
  loaded.length = 0;
});

it.each([
  [{}, false],
  [{ POWERTOOLS_TRACE_ENABLED: 'false' }, false],
  [{ POWERTOOLS_TRACE_ENABLED: 'true' }, true],
  [{ POWERTOOLS_TRACE_ENABLED: 'TRUE' }, true],
])('tracingEnabled(%j) is %s', (env, expected) => {
  expect(tracingEnabled(env)).toBe(expected);
});

it('off: the handler runs and the Tracer (and the X-Ray SDK) is never loaded', async () => {
  await expect(handlerWith({})(undefined, context)).resolves.toEqual({ ok: true });
  expect(loaded).toEqual([]);
});

it('on: the Tracer is loaded on the first invocation, once, and the handler still answers', async () => {
  const handler = handlerWith({ POWERTOOLS_TRACE_ENABLED: 'true' });
  expect(loaded).toEqual([]);

  await expect(handler(undefined, context)).resolves.toEqual({ ok: true });
  await expect(handler(undefined, context)).resolves.toEqual({ ok: true });

  expect(loaded).toEqual(['tracer']);
});

describe('deploy', () => {
  const template = (tracingOn: boolean) =>
    deployTemplate({
      pipeline: loadPipeline(resolve(__dirname, '../../..', 'pipeline.yml')),
      service: 'kinesis-pipeline',
      stage: 'dev',
      existingStreamArn: '',
      existingBucketName: '',
      existingDeliveryStreamName: '',
      tracing: tracingOn,
    });
  const roleStatements = (t: ReturnType<typeof template>, key: string) => {
    const role = (t.functions[key as keyof typeof t.functions] as { role: string }).role;
    const properties = (
      t.resources[role] as { Properties: { Policies: { PolicyDocument: { Statement: unknown[] } }[] } }
    ).Properties;
    return properties.Policies[0]!.PolicyDocument.Statement;
  };

  it.each(['streamConsumer', 'firehoseTransformer', 'partitionKeys', 'parquetConverter', 'windowAggregator'])(
    '%s may write to X-Ray only with tracing on',
    (key) => {
      expect(roleStatements(template(true), key)).toContainEqual(XRAY_WRITE);
      expect(roleStatements(template(false), key)).not.toContainEqual(XRAY_WRITE);
    },
  );
});
