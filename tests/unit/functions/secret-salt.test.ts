/**
 * Deployed, the stream consumer has MASK_SALT_PARAMETER and no MASK_SALT: it reads the salt from SSM once per
 * container (aws-sdk-client-mock) and masks with it; without either it fails each invocation clearly.
 */
import { createHmac } from 'node:crypto';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { Context } from 'aws-lambda';
import { kinesisStreamEvent } from '../../../lib/events/factories';
import { clickEvent } from '../../fixtures/clickstream';

const ROOT = resolve(__dirname, '../../..');
const PARAMETER = '/kinesis-pipeline/unit/mask-salt';
// Each test loads the handler in a module registry of its own (a fresh cold start): the S3 client it builds
// comes from that registry, so its mock is made there too.
/* eslint-disable @typescript-eslint/no-explicit-any */
let s3: AwsStub<any, any, any>;
// Powertools Parameters is loaded on first use (a dynamic import), which resolves outside that registry.
const parametersSsm = mockClient(SSMClient);
const saved = { ...process.env };
type Handler = (event: unknown, context: Context) => Promise<{ batchItemFailures: unknown[] }>;

function env(extra: Record<string, string>) {
  process.env = {
    ...saved,
    PIPELINE_FILE: join(ROOT, 'pipeline.yml'),
    BUCKET_NAME: 'lake',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'unit',
    AWS_SECRET_ACCESS_KEY: 'unit',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...extra,
  };
  delete process.env.MASK_SALT;
}

function loadHandler(): Handler {
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    const { S3Client } = jest.requireActual<typeof import('@aws-sdk/client-s3')>('@aws-sdk/client-s3');
    s3 = mockClient(S3Client);
    s3.onAnyCommand().resolves({});
    ({ handler } = jest.requireActual<{ handler: Handler }>('../../../functions/stream-consumer'));
  });
  return handler!;
}

const event = kinesisStreamEvent([{ data: JSON.stringify(clickEvent(1)), partitionKey: 'a' }]);
const context = { awsRequestId: 'unit' } as Context;
const written = () =>
  s3
    .calls()
    .map((call) => (call.args[0] as { input: { Key: string; Body: Uint8Array } }).input)
    .filter((input) => input.Key.startsWith('consumer/'))
    .map((input) => gunzipSync(input.Body).toString());

afterEach(() => {
  s3.restore();
  parametersSsm.reset();
});
afterAll(() => {
  process.env = saved;
  parametersSsm.restore();
});

it('masks with the salt read from SSM, read once across invocations', async () => {
  env({ MASK_SALT_PARAMETER: PARAMETER });
  parametersSsm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Value: 'ssm-salt' } });
  const handler = loadHandler();

  await handler(event, context);
  await handler(event, context);

  const email = clickEvent(1).customer as { email: string };
  const masked = createHmac('sha256', 'ssm-salt').update(email.email).digest('hex');
  expect(written().join('')).toContain(masked);
  expect(written().join('')).not.toContain(email.email);
  expect(parametersSsm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  expect(parametersSsm).toHaveReceivedCommandWith(GetParameterCommand, {
    Name: PARAMETER,
    WithDecryption: true,
  });
});

it('fails the invocation naming the variable, its parameter and the way out when neither is set', async () => {
  env({});
  const handler = loadHandler();

  const error = (await handler(event, context).catch((e: unknown) => e)) as Error;

  expect(error.name).toBe('SecretConfigError');
  expect(error.message).toMatch(
    /MASK_SALT is not set, and MASK_SALT_PARAMETER names no parameter.*maskSaltParameter/,
  );
  expect(written()).toEqual([]);
});
