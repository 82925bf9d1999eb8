/**
 * `sls invoke local -f <function> -p events/<sample>.json`: what a user runs to try one function. Each
 * committed sample event goes through the real CLI and the bundled handler, against s3rver.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { createS3Client } from '../../../lib/aws/clients';
import { decodeS3Key } from '../../../lib/converter';
import { sampleRecords } from '../../../lib/events/samples';
import {
  createBucket,
  localOverrides,
  startS3rver,
  LOCAL_CREDENTIALS,
  type S3Emulator,
} from '../support/emulators';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
const BUCKET = 'invoke-local';
let s3Emulator: S3Emulator;
let s3: S3Client;

beforeAll(async () => {
  s3Emulator = await startS3rver();
  s3 = createS3Client({ env: {}, overrides: localOverrides(s3Emulator.endpoint) });
  await createBucket(s3, BUCKET);
}, 60_000);

afterAll(async () => {
  await s3Emulator?.stop();
});

async function invokeLocal(
  fn: string,
  event: string,
  extraEnv: Record<string, string> = {},
): Promise<unknown> {
  const { stdout } = await run(
    join(ROOT, 'node_modules/.bin/sls'),
    ['invoke', 'local', '-f', fn, '-p', event],
    {
      cwd: ROOT,
      timeout: 120_000,
      maxBuffer: 10 * 1024 * 1024,
      env: {
        PATH: process.env.PATH,
        HOME: mkdtempSync(join(tmpdir(), 'sls-home-')),
        SLS_TELEMETRY_DISABLED: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_S3: s3Emulator.endpoint,
        BUCKET_NAME: BUCKET,
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        ...extraEnv,
      },
    },
  );
  // The handler's response is the last JSON document on stdout.
  const start = stdout.lastIndexOf('\n{');
  return JSON.parse(stdout.slice(start + 1)) as unknown;
}

/** `sls invoke local` expected to fail: its exit code and everything it printed. */
async function invokeLocalFailing(args: string[]): Promise<{ code: unknown; output: string }> {
  try {
    const pending = run(join(ROOT, 'node_modules/.bin/sls'), ['invoke', 'local', ...args], {
      cwd: ROOT,
      timeout: 120_000,
      maxBuffer: 10 * 1024 * 1024,
      env: {
        PATH: process.env.PATH,
        HOME: mkdtempSync(join(tmpdir(), 'sls-home-')),
        SLS_TELEMETRY_DISABLED: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        BUCKET_NAME: BUCKET,
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
    });
    // A terminal gives no event on stdin; an open pipe would keep sls waiting for one.
    pending.child.stdin?.end();
    const { stdout, stderr } = await pending;
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: unknown; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

it('sls invoke local -f streamConsumer without -p names the event it expects, by its error type', async () => {
  const { code, output } = await invokeLocalFailing(['-f', 'streamConsumer']);
  expect(code).not.toBe(0);
  expect(output).toContain('"errorType": "WrongEventError"');
  expect(output).toMatch(/streamConsumer expects a Kinesis Data Streams event .*-p events\/kinesis\.json/);
  expect(output).not.toContain('TypeError');
}, 180_000);

async function keys(prefix: string): Promise<string[]> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listing.Contents ?? []).map((object) => object.Key!);
}

describe.each([
  ['streamConsumer', 'events/kinesis.json', 'consumer/'],
  ['streamConsumer', 'events/kinesis-kpl.json', 'consumer/'],
])('sls invoke local -f %s -p %s', (fn, event, prefix) => {
  it('runs the bundled handler and delivers to S3', async () => {
    const before = await keys(prefix);
    const response = await invokeLocal(fn, event);
    expect(response).toEqual({ batchItemFailures: [] });
    expect((await keys(prefix)).length).toBeGreaterThan(before.length);
  }, 180_000);
});

it('sends the bad sample records to the error output and still succeeds', async () => {
  const response = await invokeLocal('streamConsumer', 'events/kinesis-with-bad-records.json');
  expect(response).toEqual({ batchItemFailures: [] });
  expect(await keys('consumer-errors/')).toHaveLength(1);
}, 180_000);

type FirehoseResponse = {
  records: { recordId: string; result: string; metadata?: { partitionKeys: object } }[];
};

it.each([
  ['firehoseTransformer', 'events/firehose-kinesis-source.json', {}],
  ['partitionKeys', 'events/firehose-direct-put.json', {}],
  [
    'firehoseTransformer',
    'events/firehose-cloudwatch-logs.json',
    { PIPELINE_FILE: 'examples/cloudwatch-logs/pipeline.yml' },
  ],
])(
  'sls invoke local -f %s -p %s answers every record with partition keys',
  async (fn, event, env) => {
    const input = JSON.parse(readFileSync(join(ROOT, event), 'utf8')) as { records: { recordId: string }[] };
    const response = (await invokeLocal(fn, event, env)) as FirehoseResponse;
    expect(response.records.map((record) => record.recordId)).toEqual(
      input.records.map((record) => record.recordId),
    );
    const ok = response.records.filter((record) => record.result === 'Ok');
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.every((record) => record.metadata?.partitionKeys)).toBe(true);
  },
  180_000,
);

it('sls invoke local -f windowAggregator emits the window to S3 and returns state', async () => {
  const response = (await invokeLocal('windowAggregator', 'events/kinesis-window.json')) as {
    state?: object;
  };
  expect(response.state).toBeDefined();
  expect(await keys('analytics/')).toHaveLength(1);
}, 180_000);

it('sls invoke local -f parquetConverter -p events/s3-object-created.json converts the object it names', async () => {
  // Prepare: the raw object the sample event announces, in the bucket it names
  const event = JSON.parse(readFileSync(join(ROOT, 'events/s3-object-created.json'), 'utf8')) as S3Event;
  const { bucket, object } = event.Records[0]!.s3;
  await createBucket(s3, bucket.name);
  const body = gzipSync(`${sampleRecords(5, 1).join('\n')}\n`);
  await s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: decodeS3Key(object.key), Body: body }));

  // Act
  const response = await invokeLocal('parquetConverter', 'events/s3-object-created.json', {
    BUCKET_NAME: bucket.name,
  });

  // Assess
  expect(response).toMatchObject({ rows: 5, errors: 0, objects: [{ outcome: 'converted' }] });
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket.name, Prefix: 'curated/' }));
  expect(listing.Contents?.map((entry) => entry.Key)).toEqual([
    expect.stringMatching(/^curated\/event_type=click\/dt=2026-11-22\/.*\.parquet$/),
  ]);
}, 180_000);
