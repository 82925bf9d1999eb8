/**
 * The emulated delivery stream reading a Kinesis source and writing to s3rver through a fault-injecting
 * proxy (503 SlowDown and 500 before the write, 500 after it, connection resets, an outage): every record is
 * in S3 exactly once, nothing counts as failed, and the source position reaches the last record only once
 * everything is stored.
 */
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../../lib/aws/clients';
import { createEmulatedFirehose, type KinesisSourceRecord } from '../../../lib/local/firehose';
import type { DeliveryConfig } from '../../../lib/pipeline/types';
import { createBucket, localOverrides, startS3rver, type S3Emulator } from '../support/emulators';
import { startS3FaultProxy, type FaultAction, type S3FaultProxy } from '../support/s3-fault-proxy';

const BUCKET = 'firehose-faults';
const SHARD = 'shardId-000000000000';
let emulator: S3Emulator;
let direct: S3Client;
let proxy: S3FaultProxy | undefined;

beforeAll(async () => {
  emulator = await startS3rver();
  direct = createS3Client({ env: {}, overrides: localOverrides(emulator.endpoint) });
  await createBucket(direct, BUCKET);
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

afterAll(async () => {
  direct?.destroy();
  await emulator?.stop();
});

const delivery = (name: string): DeliveryConfig => ({
  name,
  source: 'kinesis',
  processor: { function: 'none', bufferSizeMB: 1, bufferIntervalSeconds: 60, retries: 0 },
  // About 100 records of ~200 bytes per object: many objects, many chances for a fault.
  buffering: { sizeMB: 0.02, intervalSeconds: 60 },
  prefix: `${name}/`,
  errorOutputPrefix: `${name}-errors/`,
  compression: 'GZIP',
  sourceRecordBackup: false,
  backupPrefix: 'source-records/',
  input: 'json',
  multiRecordDeaggregation: false,
});

const records = (count: number): KinesisSourceRecord[] =>
  Array.from({ length: count }, (_, n) => ({
    data: Buffer.from(JSON.stringify({ n, pad: 'x'.repeat(180) })),
    partitionKey: `pk-${n % 7}`,
    sequenceNumber: String(100_000 + n),
    shardId: SHARD,
  }));

/** Every record number found under `prefix`, with repeats. */
async function deliveredNumbers(prefix: string): Promise<number[]> {
  const numbers: number[] = [];
  let token: string | undefined;
  do {
    const page = await direct.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      const response = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: object.Key }));
      const body = await (
        response.Body as { transformToByteArray(): Promise<Uint8Array> }
      ).transformToByteArray();
      for (const line of gunzipSync(body).toString('utf8').trimEnd().split('\n')) {
        numbers.push((JSON.parse(line) as { n: number }).n);
      }
    }
    token = page.NextContinuationToken;
  } while (token);
  return numbers.sort((a, b) => a - b);
}

/** A Firehose writing through the proxy with one attempt per SDK call: only the emulator's retries count. */
function firehoseThrough(endpoint: string, name: string) {
  const s3 = new S3Client({ ...localOverrides(endpoint), forcePathStyle: true, maxAttempts: 1 });
  const errors: string[] = [];
  const stream = createEmulatedFirehose({
    delivery: delivery(name),
    s3,
    bucket: BUCKET,
    sourceStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/faults',
    appendDelimiter: true,
    s3Retry: { initialDelayMs: 50, maxDelayMs: 500, windowMs: 30_000 },
    logger: { warn: () => undefined, error: (message: string) => errors.push(message) },
  });
  return { s3, stream, errors };
}

const COUNT = 2_000;
const all = Array.from({ length: COUNT }, (_, n) => n);

it('delivers every record exactly once when S3 answers 503/500 before or after writing, or resets connections', async () => {
  // Prepare: of the PutObjects, every 3rd SlowDown, every 4th 500 after the write, every 5th a reset.
  proxy = await startS3FaultProxy(emulator.endpoint, ({ method, index }): FaultAction => {
    if (method !== 'PUT') return { kind: 'pass' };
    if (index % 3 === 1) return { kind: 'error', status: 503, code: 'SlowDown', after: false };
    if (index % 4 === 2) return { kind: 'error', status: 500, code: 'InternalError', after: true };
    if (index % 5 === 3) return { kind: 'reset' };
    return { kind: 'pass' };
  });
  const { s3, stream, errors } = firehoseThrough(proxy.endpoint, 'faulty');

  // Act
  stream.putKinesisRecords(records(COUNT));
  await stream.stop();
  s3.destroy();

  // Assess
  expect(await deliveredNumbers('faulty/')).toEqual(all);
  expect(stream.stats()).toMatchObject({ delivered: COUNT, deliveryFailed: 0, errorOutput: 0, pending: 0 });
  expect(stream.stats().s3Retries).toBeGreaterThan(5);
  expect(errors).toEqual([]);
  expect(proxy.counts).toMatchObject({
    'error-before': expect.any(Number) as number,
    'error-after': expect.any(Number) as number,
    reset: expect.any(Number) as number,
  });
  expect(stream.sourcePositions()).toEqual({ [SHARD]: String(100_000 + COUNT - 1) });
}, 60_000);

it('waits out an S3 outage of 2 seconds and then delivers everything once', async () => {
  // Prepare
  proxy = await startS3FaultProxy(emulator.endpoint);
  const { s3, stream, errors } = firehoseThrough(proxy.endpoint, 'outage');
  proxy.down(2_000);
  const started = Date.now();

  // Act
  stream.putKinesisRecords(records(COUNT));
  await stream.stop();
  s3.destroy();

  // Assess
  expect(proxy.counts.down).toBeGreaterThan(0);
  expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
  expect(await deliveredNumbers('outage/')).toEqual(all);
  expect(stream.stats()).toMatchObject({ delivered: COUNT, deliveryFailed: 0, pending: 0 });
  expect(errors).toEqual([]);
}, 60_000);
