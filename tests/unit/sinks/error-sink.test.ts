import 'aws-sdk-client-mock-jest';
import { gunzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createErrorSink,
  encodeErrorRecords,
  toErrorRecord,
  type ErrorRecord,
} from '../../../lib/sinks/error-sink';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
});
afterAll(() => s3.restore());

const FIXED = new Date('2026-11-22T10:00:00.000Z');

function errorRecordFactory(overrides: Partial<ErrorRecord> = {}): ErrorRecord {
  return toErrorRecord(
    {
      reason: 'schema-invalid',
      message: 'device.os: must be string',
      shardId: 'shardId-000000000000',
      sequenceNumber: '4959',
      partitionKey: 'user-1',
      approximateArrivalTimestamp: 1_795_000_000.5,
      rawData: Buffer.from('{"device":{"os":1}}'),
      ...overrides,
    },
    () => FIXED,
  );
}

function sentLines(call = 0): unknown[] {
  const body = s3.commandCalls(PutObjectCommand)[call]?.args[0].input.Body as Buffer;
  return gunzipSync(body)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('toErrorRecord', () => {
  it('base64-encodes the raw bytes, stamps failedAt and leaves absent fields out', () => {
    // Act
    const record = toErrorRecord(
      {
        reason: 'decode-failed',
        message: 'not gzip',
        rawData: new Uint8Array([0xff, 0x00]),
        recordId: undefined,
      },
      () => FIXED,
    );

    // Assess
    expect(record).toEqual({
      reason: 'decode-failed',
      message: 'not gzip',
      rawData: '/wA=',
      failedAt: '2026-11-22T10:00:00.000Z',
    });
    expect(Object.keys(record)).not.toContain('recordId');
  });

  it('encodes only the view of a Uint8Array over a larger buffer', () => {
    const backing = Buffer.from('xxABCxx');

    const record = toErrorRecord({ reason: 'r', message: 'm', rawData: backing.subarray(2, 5) }, () => FIXED);

    expect(Buffer.from(record.rawData, 'base64').toString()).toBe('ABC');
  });

  it('keeps base64 strings and explicit failure times as given', () => {
    const record = toErrorRecord({
      reason: 'r',
      message: 'm',
      rawData: 'QUJD',
      failedAt: '2026-01-01T00:00:00Z',
    });

    expect(record).toMatchObject({ rawData: 'QUJD', failedAt: '2026-01-01T00:00:00Z' });
  });
});

describe('encodeErrorRecords', () => {
  it('writes one JSON line per record, each ending in a newline', async () => {
    const records = [errorRecordFactory(), errorRecordFactory({ sequenceNumber: '4960' })];

    const text = gunzipSync(await encodeErrorRecords(records)).toString('utf8');

    expect(text.split('\n')).toHaveLength(3);
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .split('\n')
        .slice(0, 2)
        .map((line) => JSON.parse(line)),
    ).toEqual(records);
  });
});

describe('createErrorSink', () => {
  const batch = { shardId: 'shardId-000000000001', firstSequenceNumber: '100', lastSequenceNumber: '199' };

  it('writes the batch as one gzip JSON-lines object under the error prefix', async () => {
    // Prepare
    const sink = createErrorSink({ client, bucket: 'lake', prefix: 'errors/consumer' });
    const records = [errorRecordFactory(), errorRecordFactory({ reason: 'transform-failed' })];

    // Act
    const result = await sink.write(records, { ...batch, partitions: { dt: '2026-11-22' } });

    // Assess
    const key = 'errors/consumer/dt=2026-11-22/shardId-000000000001/100-199.jsonl.gz';
    expect(result).toEqual({ bucket: 'lake', key, count: 2, bytes: expect.any(Number) });
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'lake',
      Key: key,
      ContentType: 'application/gzip',
      ServerSideEncryption: 'AES256',
    });
    expect(sentLines()).toEqual(records);
  });

  it('writes a retried batch to the same key', async () => {
    const sink = createErrorSink({ client, bucket: 'lake' });

    await sink.write([errorRecordFactory()], batch);
    await sink.write([errorRecordFactory()], batch);

    const keys = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(keys).toEqual([
      'errors/shardId-000000000001/100-199.jsonl.gz',
      'errors/shardId-000000000001/100-199.jsonl.gz',
    ]);
  });

  it('names objects of non-stream sources by the caller-given name', () => {
    const sink = createErrorSink({ client, bucket: 'lake', prefix: 'errors/parquet' });

    expect(sink.keyFor({ name: 'raw-2026-11-22-abc123', partitions: { dt: '2026-11-22' } })).toBe(
      'errors/parquet/dt=2026-11-22/raw-2026-11-22-abc123.jsonl.gz',
    );
  });

  it('writes nothing for no records', async () => {
    const sink = createErrorSink({ client, bucket: 'lake' });

    expect(await sink.write([], batch)).toBeUndefined();
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('passes the KMS choice through', async () => {
    const sink = createErrorSink({
      client,
      bucket: 'lake',
      encryption: { mode: 'aws:kms', kmsKeyId: 'k-1' },
    });

    await sink.write([errorRecordFactory()], batch);

    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'k-1',
    });
  });

  it('rejects naming the object when S3 fails', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    const sink = createErrorSink({ client, bucket: 'lake' });

    await expect(sink.write([errorRecordFactory()], batch)).rejects.toThrow(
      's3://lake/errors/shardId-000000000001/100-199.jsonl.gz failed: SlowDown',
    );
  });

  it.each([
    [{ bucket: '' }, 'error sink: bucket is required'],
    [{ bucket: 'b', gzipLevel: 0 }, 'gzipLevel must be an integer 1-9, got 0'],
  ])('refuses options %j', (options, message) => {
    expect(() => createErrorSink({ client, ...options })).toThrow(message);
  });
});
