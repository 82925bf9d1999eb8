import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import {
  ListStreamsCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createKinesisClient, createS3Client } from '../../../lib/aws/clients';
import { createErrorSink, toErrorRecord } from '../../../lib/sinks/error-sink';
import { putRecordsReliably } from '../../../lib/sinks/kinesis';
import { batchObjectKey, putObject } from '../../../lib/sinks/s3';
import { uploadObject } from '../../../lib/sinks/s3-upload';
import {
  createBucket,
  createStreamAndWait,
  localOverrides,
  startKinesisLocal,
  startS3rver,
  withEnv,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type KinesisEmulator,
  type S3Emulator,
} from '../support/emulators';

let kinesisEmulator: KinesisEmulator;
let s3Emulator: S3Emulator;
let kinesis: KinesisClient;
let s3: S3Client;
const BUCKET = 'sinks-it';

beforeAll(async () => {
  [kinesisEmulator, s3Emulator] = await Promise.all([startKinesisLocal(), startS3rver()]);
  // env: {} so only the explicit endpoint decides the quirks, whatever the shell exports.
  kinesis = createKinesisClient({ env: {}, overrides: localOverrides(kinesisEmulator.endpoint) });
  s3 = createS3Client({ env: {}, overrides: localOverrides(s3Emulator.endpoint) });
  await createBucket(s3, BUCKET);
});

afterAll(async () => {
  kinesis?.destroy();
  s3?.destroy();
  await Promise.all([kinesisEmulator?.stop(), s3Emulator?.stop()]);
});

async function readShard(streamName: string, shardId: string): Promise<KinesisRecord[]> {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: shardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const records: KinesisRecord[] = [];
  let iterator = ShardIterator;
  while (iterator) {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    records.push(...(page.Records ?? []));
    if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
    iterator = page.NextShardIterator;
  }
  return records;
}

async function readStream(streamName: string): Promise<KinesisRecord[]> {
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const perShard = await Promise.all(
    (Shards ?? []).map((shard) => readShard(streamName, shard.ShardId ?? '')),
  );
  return perShard.flat();
}

async function getObjectBytes(key: string): Promise<Buffer> {
  const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(
    await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

describe('client factories driven only by the standard variables', () => {
  it('reach both emulators through AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL_S3', async () => {
    const env = {
      AWS_ENDPOINT_URL_KINESIS: kinesisEmulator.endpoint,
      AWS_ENDPOINT_URL_S3: s3Emulator.endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_PROFILE: undefined,
      AWS_SESSION_TOKEN: undefined,
    };

    await withEnv(env, async () => {
      const fromEnvKinesis = createKinesisClient();
      const fromEnvS3 = createS3Client();
      try {
        expect((await fromEnvKinesis.send(new ListStreamsCommand({}))).StreamNames).toBeDefined();
        const buckets = await fromEnvS3.send(new ListBucketsCommand({}));
        expect(buckets.Buckets?.map((b) => b.Name)).toContain(BUCKET);
      } finally {
        fromEnvKinesis.destroy();
        fromEnvS3.destroy();
      }
    });
  });
});

describe('putRecordsReliably against kinesis-local', () => {
  it('delivers 1,200 records in several requests, and GetRecords reads back exactly those', async () => {
    // Prepare
    const streamName = 'sinks-it';
    await createStreamAndWait(kinesis, streamName, 2);
    const entries = Array.from({ length: 1200 }, (_, i) => ({
      data: Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(i % 50) })),
      partitionKey: `user-${i % 7}`,
    }));

    // Act
    const outcome = await putRecordsReliably(kinesis, { streamName }, entries);

    // Assess
    expect(outcome).toEqual({
      acknowledged: 1200,
      failed: [],
      attempts: 3,
      retries: 0,
      resent: 0,
      resentUnconfirmed: 0,
    });
    const read = await readStream(streamName);
    const payloads = read.map((r) => Buffer.from(r.Data ?? new Uint8Array()).toString('utf8'));
    expect([...payloads].sort()).toEqual(entries.map((e) => e.data.toString('utf8')).sort());
    // With no retries needed, each partition key's records come back in input order.
    for (const key of new Set(entries.map((e) => e.partitionKey))) {
      const order = read
        .filter((r) => r.PartitionKey === key)
        .map((r) => (JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString()) as { i: number }).i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('reports every entry as failed, by index, when the stream does not exist', async () => {
    const outcome = await putRecordsReliably(kinesis, { streamName: 'missing' }, [
      { data: Buffer.from('a'), partitionKey: 'k' },
      { data: Buffer.from('b'), partitionKey: 'k' },
    ]);

    expect(outcome.acknowledged).toBe(0);
    expect(outcome.failed.map((f) => [f.index, f.errorCode])).toEqual([
      [0, 'ResourceNotFoundException'],
      [1, 'ResourceNotFoundException'],
    ]);
  });
});

describe('S3 writes against s3rver', () => {
  it('putObject stores the body byte for byte', async () => {
    // Prepare
    const body = randomBytes(64 * 1024);
    const key = batchObjectKey({
      prefix: 'consumer',
      partitions: { event_type: 'click', dt: '2026-11-22' },
      shardId: 'shardId-000000000000',
      firstSequenceNumber: '1',
      lastSequenceNumber: '9',
      extension: 'bin',
    });

    // Act
    await putObject(s3, { bucket: BUCKET, key, body, contentType: 'application/octet-stream' });

    // Assess
    expect((await getObjectBytes(key)).equals(body)).toBe(true);
  });

  it('uploadObject streams a multi-MiB body in parts, stored byte for byte', async () => {
    // Prepare: 12 MiB in 1 MiB chunks, 5 MiB parts → a 3-part multipart upload.
    const chunks = Array.from({ length: 12 }, () => randomBytes(1024 * 1024));
    const key = 'parquet/big.bin';

    // Act
    await uploadObject(s3, {
      bucket: BUCKET,
      key,
      body: Readable.from(chunks),
      partSizeBytes: 5 * 1024 * 1024,
    });

    // Assess
    const stored = await getObjectBytes(key);
    expect(stored.length).toBe(12 * 1024 * 1024);
    expect(stored.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('a streamed PutObject (aws-chunked) is stored byte for byte with the local checksum settings', async () => {
    // With the SDK's default checksums s3rver stores the chunk framing too (measured: 56 bytes extra).
    const body = randomBytes(3 * 1024 * 1024);
    const stream = Readable.from([body.subarray(0, 1024 * 1024), body.subarray(1024 * 1024)]);

    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'stream/put.bin',
        Body: stream,
        ContentLength: body.length,
      }),
    );

    expect((await getObjectBytes('stream/put.bin')).equals(body)).toBe(true);
  });

  it('a failed write rejects naming the object', async () => {
    await expect(putObject(s3, { bucket: 'no-such-bucket', key: 'a/b', body: 'x' })).rejects.toThrow(
      /s3:\/\/no-such-bucket\/a\/b failed: NoSuchBucket/,
    );
  });

  it('the error sink writes one gzip JSON-lines object per batch, overwritten on retry', async () => {
    // Prepare
    const sink = createErrorSink({ client: s3, bucket: BUCKET, prefix: 'errors' });
    const records = [1, 2].map((n) =>
      toErrorRecord({ reason: 'schema-invalid', message: `field ${n}`, rawData: Buffer.from(`raw ${n}`) }),
    );
    const batch = { shardId: 'shardId-000000000000', firstSequenceNumber: '10', lastSequenceNumber: '20' };

    // Act
    await sink.write(records.slice(0, 1), batch);
    const result = await sink.write(records, batch);

    // Assess
    const lines = gunzipSync(await getObjectBytes(result?.key ?? ''))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(records);
  });
});
