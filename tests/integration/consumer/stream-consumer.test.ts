/**
 * The stream consumer against real emulators: records go into kinesis-local (plain, KPL-aggregated and
 * invalid), come back through GetRecords as a Lambda event, and the real handler delivers them to s3rver.
 */
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { createKinesisClient, createS3Client } from '../../../lib/aws/clients';
import { aggregate } from '../../../lib/records';
import { clickEvent, purchaseEvent } from '../../fixtures/clickstream';
import {
  createBucket,
  createStreamAndWait,
  localOverrides,
  startKinesisLocal,
  startS3rver,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type KinesisEmulator,
  type S3Emulator,
} from '../support/emulators';

const STREAM = 'clicks-it';
const BUCKET = 'consumer-it';
let kinesisEmulator: KinesisEmulator;
let s3Emulator: S3Emulator;
let kinesis: KinesisClient;
let s3: S3Client;
type Handler = (event: KinesisStreamEvent, context: Context) => Promise<{ batchItemFailures: unknown[] }>;
let handler: Handler;

const context = {
  functionName: 'streamConsumer',
  awsRequestId: 'it-request',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:streamConsumer',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

function writePipeline(): string {
  const dir = mkdtempSync(join(tmpdir(), 'consumer-it-'));
  const file = join(dir, 'pipeline.yml');
  writeFileSync(
    file,
    `name: consumer-it
stream: { name: ${STREAM} }
record: { schema: ${resolve('schemas/clickstream.schema.json')} }
transforms:
  - mask: { fields: [customer.email], saltFrom: MASK_SALT }
partitioning:
  keys:
    - { name: event_type, path: event_type }
consumer:
  errorPrefix: errors/
  sinks:
    - { type: s3, prefix: lake/ }
`,
  );
  return file;
}

beforeAll(async () => {
  [kinesisEmulator, s3Emulator] = await Promise.all([startKinesisLocal(), startS3rver()]);
  kinesis = createKinesisClient({ env: {}, overrides: localOverrides(kinesisEmulator.endpoint) });
  s3 = createS3Client({ env: {}, overrides: localOverrides(s3Emulator.endpoint) });
  await Promise.all([createStreamAndWait(kinesis, STREAM, 1), createBucket(s3, BUCKET)]);
  // The handler reads its configuration from the environment at cold start, as in Lambda.
  Object.assign(process.env, {
    PIPELINE_FILE: writePipeline(),
    BUCKET_NAME: BUCKET,
    MASK_SALT: 'integration-salt',
    AWS_ENDPOINT_URL_S3: s3Emulator.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  handler = (await import('../../../functions/stream-consumer')).handler as unknown as Handler;
}, 60_000);

afterAll(async () => {
  await Promise.all([kinesisEmulator?.stop(), s3Emulator?.stop()]);
});

/** Reads the whole shard from the start, as the event source mapping would, into one Lambda event. */
async function readAsLambdaEvent(): Promise<KinesisStreamEvent> {
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: STREAM }));
  const shardId = shards.Shards![0]!.ShardId!;
  let { ShardIterator: iterator } = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: STREAM, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  const records: KinesisRecord[] = [];
  for (let i = 0; i < 10 && iterator; i += 1) {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    records.push(...(page.Records ?? []));
    iterator = page.Records?.length ? page.NextShardIterator : undefined;
  }
  return {
    Records: records.map((record) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.PartitionKey!,
        sequenceNumber: record.SequenceNumber!,
        data: Buffer.from(record.Data!).toString('base64'),
        approximateArrivalTimestamp: record.ApproximateArrivalTimestamp!.getTime() / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${record.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/consumer',
      awsRegion: LOCAL_REGION,
      eventSourceARN: `arn:aws:kinesis:${LOCAL_REGION}:000000000000:stream/${STREAM}`,
    })),
  };
}

async function objects(prefix: string): Promise<{ key: string; lines: Record<string, unknown>[] }[]> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return Promise.all(
    (listing.Contents ?? []).map(async ({ Key }) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
      const body = Buffer.from(await object.Body!.transformToByteArray());
      const text = gunzipSync(body).toString('utf8');
      return {
        key: Key!,
        lines: text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      };
    }),
  );
}

it('delivers every valid record exactly once, every invalid one with its reason, and is idempotent', async () => {
  // Prepare: 20 plain records, one KPL aggregate of 10 (one of them invalid), and 3 bad records.
  const plain = Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? purchaseEvent(i) : clickEvent(i)));
  const aggregated = Array.from({ length: 10 }, (_, i) =>
    i === 4 ? clickEvent(100 + i, { customer_id: '' }) : clickEvent(100 + i),
  );
  const [kpl, extra] = aggregate(
    aggregated.map((record) => ({ partitionKey: 'kpl', data: JSON.stringify(record) })),
  );
  expect(extra).toBeUndefined();
  const entries = [
    ...plain.map((record, i) => ({ Data: Buffer.from(JSON.stringify(record)), PartitionKey: `pk-${i}` })),
    { Data: kpl!.data, PartitionKey: 'kpl' },
    { Data: Buffer.from('this is not json'), PartitionKey: 'bad-1' },
    { Data: Buffer.from(JSON.stringify(clickEvent(200, { event_type: 'teleport' }))), PartitionKey: 'bad-2' },
    { Data: Buffer.from('[1,2,3]'), PartitionKey: 'bad-3' },
  ];
  const put = await kinesis.send(new PutRecordsCommand({ StreamName: STREAM, Records: entries }));
  expect(put.FailedRecordCount).toBe(0);
  const event = await readAsLambdaEvent();
  expect(event.Records).toHaveLength(entries.length);

  // Act
  const response = await handler(event, context);

  // Assess: the lake holds each valid record once, the error output each invalid one with its reason.
  expect(response.batchItemFailures).toEqual([]);
  const lake = await objects('lake/');
  const delivered = lake.flatMap((object) => object.lines.map((line) => line.event_id));
  const expected = [...plain, ...aggregated.filter((_, i) => i !== 4)].map((record) => record.event_id);
  expect([...delivered].sort()).toEqual([...expected].sort());
  expect(new Set(delivered).size).toBe(delivered.length);
  for (const object of lake) {
    const type = /event_type=([^/]+)\//.exec(object.key)![1];
    expect(object.lines.every((line) => line.event_type === type)).toBe(true);
  }
  const errors = (await objects('errors/')).flatMap((object) => object.lines);
  expect(errors.map((error) => [error.partitionKey, error.reason]).sort()).toEqual(
    [
      ['kpl', 'schema-violation'],
      ['bad-1', 'invalid-json'],
      ['bad-2', 'schema-violation'],
      ['bad-3', 'not-an-object'],
    ].sort(),
  );
  const kplError = errors.find((error) => error.partitionKey === 'kpl')!;
  expect(kplError.subSequenceNumber).toBe(4);
  expect(kplError.message).toContain('customer_id');
  expect(JSON.parse(Buffer.from(kplError.rawData as string, 'base64').toString())).toEqual(aggregated[4]);

  // Act again: Lambda re-delivers the same batch.
  const keysBefore = lake.map((object) => object.key).sort();
  await handler(event, context);

  // Assess: the same objects, no duplicates.
  const lakeAfter = await objects('lake/');
  expect(lakeAfter.map((object) => object.key).sort()).toEqual(keysBefore);
  expect(lakeAfter.flatMap((object) => object.lines)).toHaveLength(expected.length);
});
