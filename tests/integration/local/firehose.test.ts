/**
 * The emulated delivery stream against s3rver: records in, objects out under the evaluated prefixes, read
 * back and gunzipped, every input record accounted for (delivered, dropped or in the error prefix).
 */
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationResultRecord } from 'aws-lambda';
import { createS3Client } from '../../../lib/aws/clients';
import {
  createEmulatedFirehose,
  type CreatedObject,
  type FirehoseTransformer,
} from '../../../lib/local/firehose';
import type { DeliveryConfig } from '../../../lib/pipeline/types';
import { aggregate } from '../../../lib/records';
import { clickEvent } from '../../fixtures/clickstream';
import { createBucket, localOverrides, startS3rver, type S3Emulator } from '../support/emulators';

const BUCKET = 'firehose-it';
const RECORDS = 3_000;
let emulator: S3Emulator;
let s3: S3Client;

beforeAll(async () => {
  emulator = await startS3rver();
  s3 = createS3Client({ env: {}, overrides: localOverrides(emulator.endpoint) });
  await createBucket(s3, BUCKET);
});

afterAll(async () => {
  s3?.destroy();
  await emulator?.stop();
});

const delivery: DeliveryConfig = {
  name: 'clickstream-delivery',
  source: 'direct-put',
  processor: { function: 'firehoseTransformer', bufferSizeMB: 0.2, bufferIntervalSeconds: 60, retries: 3 },
  buffering: { sizeMB: 1, intervalSeconds: 60 },
  prefix: 'raw/event_type=!{partitionKeyFromLambda:event_type}/dt=!{partitionKeyFromLambda:dt}/',
  errorOutputPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
  compression: 'GZIP',
  sourceRecordBackup: false,
  backupPrefix: 'source-records/',
  input: 'json',
  multiRecordDeaggregation: true,
};

/** Like firehoseTransformer: JSON line out, keys in metadata; heartbeats dropped, records marked bad failed. */
const transformer: FirehoseTransformer = async (event) => ({
  records: event.records.map((record): FirehoseTransformationResultRecord => {
    const value = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')) as Record<string, unknown>;
    if (value.event_type === 'heartbeat') return { recordId: record.recordId, result: 'Dropped' };
    if (value.bad === true) return { recordId: record.recordId, result: 'ProcessingFailed' };
    return {
      recordId: record.recordId,
      result: 'Ok',
      data: Buffer.from(`${JSON.stringify(value)}\n`).toString('base64'),
      metadata: {
        partitionKeys: { event_type: String(value.event_type), dt: String(value.timestamp).slice(0, 10) },
      },
    };
  }),
});

async function listKeys(): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
    found.push(...(page.Contents ?? []).map((object) => object.Key as string));
    token = page.NextContinuationToken;
  } while (token);
  return found.sort();
}

async function readLines(key: string): Promise<string[]> {
  const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const body = Buffer.from(
    await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
  return gunzipSync(body).toString('utf8').trimEnd().split('\n');
}

it('delivers every record to its partition or the error prefix, and accounts for all of them', async () => {
  // Prepare: every 37th record a heartbeat (dropped), every 50th marked bad (ProcessingFailed).
  const inputs = Array.from({ length: RECORDS }, (_v, n) =>
    clickEvent(n, {
      n,
      ...(n % 37 === 0 ? { event_type: 'heartbeat' } : {}),
      ...(n % 50 === 0 ? { bad: true } : {}),
    }),
  );
  const created: CreatedObject[] = [];
  const stream = createEmulatedFirehose({
    delivery,
    s3,
    bucket: BUCKET,
    transformer,
    onObjectCreated: (object) => {
      created.push(object);
    },
  });

  // Act
  for (let start = 0; start < RECORDS; start += 500) {
    stream.put(inputs.slice(start, start + 500).map((value) => JSON.stringify(value)));
  }
  await stream.stop();

  // Assess: data objects hold only their partition's records.
  const keys = await listKeys();
  const delivered = new Map<number, string>();
  for (const key of keys.filter((k) => k.startsWith('raw/'))) {
    const match =
      /^raw\/event_type=([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/clickstream-delivery-1-\d{4}(-\d\d){5}-[0-9a-f-]{36}\.gz$/.exec(
        key,
      );
    expect(match).not.toBeNull();
    for (const line of await readLines(key)) {
      const value = JSON.parse(line) as { n: number; event_type: string; timestamp: string };
      expect([value.event_type, value.timestamp.slice(0, 10)]).toEqual([match?.[1], match?.[2]]);
      expect(delivered.has(value.n)).toBe(false);
      delivered.set(value.n, key);
    }
  }
  const failed: number[] = [];
  for (const key of keys.filter((k) => k.startsWith('errors/'))) {
    expect(key).toMatch(/^errors\/processing-failed\/dt=\d{4}-\d{2}-\d{2}\/clickstream-delivery-1-/);
    for (const line of await readLines(key)) {
      const document = JSON.parse(line) as { errorCode: string; rawData: string };
      expect(document.errorCode).toBe('Lambda.ProcessingFailedStatus');
      failed.push((JSON.parse(Buffer.from(document.rawData, 'base64').toString('utf8')) as { n: number }).n);
    }
  }
  // The transformer checks heartbeat first: a record both heartbeat and bad is dropped.
  const isDropped = (n: number) => n % 37 === 0;
  const isFailed = (n: number) => n % 50 === 0 && !isDropped(n);
  const all = inputs.map((_v, n) => n);
  expect([...delivered.keys()].sort((a, b) => a - b)).toEqual(
    all.filter((n) => !isDropped(n) && !isFailed(n)),
  );
  expect(failed.sort((a, b) => a - b)).toEqual(all.filter(isFailed));
  const stats = stream.stats();
  expect(stats.recordsIn).toBe(RECORDS);
  expect(stats.dropped).toBe(all.filter(isDropped).length);
  expect(stats.dropped + stats.delivered + stats.errorOutput).toBe(RECORDS);
  expect([stats.delivered, stats.errorOutput, stats.pending, stats.deliveryFailed]).toEqual([
    delivered.size,
    failed.length,
    0,
    0,
  ]);
  expect(created.map((object) => object.key).sort()).toEqual(keys);
});

it('reads Kinesis records, de-aggregates KPL, partitions with the jq engine and writes failed batches to the error prefix', async () => {
  // Prepare: 200 user records in KPL aggregates, plus a transformer that fails every attempt of batches holding n=13.
  const users = Array.from({ length: 200 }, (_v, n) => ({
    partitionKey: `pk-${n % 4}`,
    explicitHashKey: '1',
    data: JSON.stringify(clickEvent(n, { n })),
  }));
  const aggregates = aggregate(users, { maxBytes: 16 * 1024 });
  const failing: FirehoseTransformer = async (event) => {
    const texts = event.records.map((r) => Buffer.from(r.data, 'base64').toString('utf8'));
    if (texts.some((text) => (JSON.parse(text) as { n: number }).n === 13)) throw new Error('poison record');
    return {
      records: event.records.map((r, i) => ({
        recordId: r.recordId,
        result: 'Ok' as const,
        data: Buffer.from(`${texts[i]}\n`).toString('base64'),
      })),
    };
  };
  const stream = createEmulatedFirehose({
    delivery: {
      ...delivery,
      name: 'kinesis-delivery',
      source: 'kinesis',
      processor: { ...delivery.processor, bufferSizeMB: 0.2, retries: 1 },
      prefix: 'jq/type=!{partitionKeyFromQuery:event_type}/',
      errorOutputPrefix: 'jq-errors/!{firehose:error-output-type}/',
    },
    partitioning: { engine: 'jq', keys: [{ name: 'event_type', path: 'event_type' }] },
    sourceStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clickstream-events',
    s3,
    bucket: BUCKET,
    transformer: failing,
  });

  // Act
  stream.putKinesisRecords(
    aggregates.map((kpl, index) => ({
      data: kpl.data,
      partitionKey: kpl.partitionKey,
      sequenceNumber: String(1000 + index),
      shardId: 'shardId-000000000000',
    })),
  );
  await stream.stop();

  // Assess
  const keys = await listKeys();
  const seen: number[] = [];
  for (const key of keys.filter((k) => k.startsWith('jq/'))) {
    const type = /^jq\/type=([a-z_]+)\//.exec(key)?.[1];
    for (const line of await readLines(key)) {
      const value = JSON.parse(line) as { n: number; event_type: string };
      expect(value.event_type).toBe(type);
      seen.push(value.n);
    }
  }
  for (const key of keys.filter((k) => k.startsWith('jq-errors/'))) {
    expect(key).toMatch(/^jq-errors\/processing-failed\/kinesis-delivery-1-/);
    for (const line of await readLines(key)) {
      const document = JSON.parse(line) as {
        errorCode: string;
        errorMessage: string;
        attemptsMade: number;
        rawData: string;
      };
      expect([document.errorCode, document.errorMessage, document.attemptsMade]).toEqual([
        'Lambda.FunctionError',
        'Error: poison record',
        2,
      ]);
      seen.push((JSON.parse(Buffer.from(document.rawData, 'base64').toString('utf8')) as { n: number }).n);
    }
  }
  expect(seen.sort((a, b) => a - b)).toEqual(users.map((_u, n) => n));
  expect(stream.stats()).toMatchObject({
    recordsIn: 200,
    kinesisRecordsIn: aggregates.length,
    failedBatches: 1,
    pending: 0,
  });
  expect(aggregates.length).toBeGreaterThan(1);
});
