import 'aws-sdk-client-mock-jest';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  batchObjectKey,
  joinObjectKey,
  putObject,
  S3WriteError,
  type ObjectEncryption,
} from '../../../lib/sinks/s3';
import { uploadObject } from '../../../lib/sinks/s3-upload';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"etag-1"' });
});
afterAll(() => s3.restore());

describe('putObject', () => {
  it('writes the body with content headers and SSE-S3 by default', async () => {
    // Act
    const result = await putObject(client, {
      bucket: 'lake',
      key: 'a/b.jsonl.gz',
      body: Buffer.from('x'),
      contentType: 'application/x-ndjson',
      contentEncoding: 'gzip',
    });

    // Assess
    expect(result).toEqual({ bucket: 'lake', key: 'a/b.jsonl.gz', etag: '"etag-1"', versionId: undefined });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'lake',
      Key: 'a/b.jsonl.gz',
      Body: Buffer.from('x'),
      ContentType: 'application/x-ndjson',
      ContentEncoding: 'gzip',
      ServerSideEncryption: 'AES256',
    });
  });

  it.each<[string, ObjectEncryption, Record<string, unknown>]>([
    [
      'SSE-KMS with a key',
      { mode: 'aws:kms', kmsKeyId: 'alias/lake' },
      { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/lake' },
    ],
    ['SSE-KMS with the AWS managed key', { mode: 'aws:kms' }, { ServerSideEncryption: 'aws:kms' }],
    ['no header', { mode: 'none' }, {}],
  ])('encryption: %s', async (_name, encryption, expected) => {
    await putObject(client, { bucket: 'b', key: 'k', body: 'x', encryption });

    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect({ ServerSideEncryption: input?.ServerSideEncryption, SSEKMSKeyId: input?.SSEKMSKeyId }).toEqual({
      ServerSideEncryption: undefined,
      SSEKMSKeyId: undefined,
      ...expected,
    });
  });

  it('rejects an unknown encryption mode, listing the valid ones', async () => {
    const encryption = { mode: 'aes' } as unknown as ObjectEncryption;

    await expect(putObject(client, { bucket: 'b', key: 'k', body: 'x', encryption })).rejects.toThrow(
      'encryption.mode must be one of AES256, aws:kms, none, got "aes"',
    );
  });

  it('rejects with an error naming the object when S3 fails', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    // Act
    const write = putObject(client, { bucket: 'lake', key: 'raw/x.gz', body: 'x' });

    // Assess
    await expect(write).rejects.toThrow(S3WriteError);
    await expect(write).rejects.toMatchObject({
      message: 'S3 PutObject s3://lake/raw/x.gz failed: AccessDenied: Access Denied',
      code: 'AccessDenied',
      bucket: 'lake',
      key: 'raw/x.gz',
    });
  });

  it.each([
    [{ bucket: '', key: 'k' }, 'bucket is required'],
    [{ bucket: 'b', key: '' }, 'S3 write to bucket b: key is required'],
  ])('refuses %j', async (target, message) => {
    await expect(putObject(client, { ...target, body: 'x' })).rejects.toThrow(message);
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });
});

describe('uploadObject', () => {
  it('uploads a small body with one encrypted PutObject', async () => {
    const result = await uploadObject(client, {
      bucket: 'lake',
      key: 'p/x.parquet',
      body: Buffer.from('PAR1'),
    });

    expect(result).toMatchObject({ bucket: 'lake', key: 'p/x.parquet', etag: '"etag-1"' });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'lake',
      Key: 'p/x.parquet',
      ServerSideEncryption: 'AES256',
    });
  });

  it('rejects with an error naming the object when the upload fails', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('no such bucket'), { name: 'NoSuchBucket' }));

    await expect(uploadObject(client, { bucket: 'gone', key: 'p/x.parquet', body: 'x' })).rejects.toThrow(
      'S3 Upload s3://gone/p/x.parquet failed: NoSuchBucket: no such bucket',
    );
  });

  it.each([
    [{ partSizeBytes: 1024 }, 'partSizeBytes must be an integer >= 5242880, got 1024'],
    [{ queueSize: 0 }, 'queueSize must be an integer >= 1, got 0'],
  ])('refuses %j', async (options, message) => {
    await expect(uploadObject(client, { bucket: 'b', key: 'k', body: 'x', ...options })).rejects.toThrow(
      message,
    );
  });
});

describe('batchObjectKey', () => {
  const batch = {
    shardId: 'shardId-000000000000',
    firstSequenceNumber: '49590338271490256608559692538361571095921575989136588898',
    lastSequenceNumber: '49590338271490256608559692540925702759324208523137515618',
    extension: 'jsonl.gz',
  };
  const stem = `${batch.firstSequenceNumber}-${batch.lastSequenceNumber}`;

  it.each([
    [
      'Hive partitions in insertion order',
      { prefix: 'consumer', partitions: { event_type: 'click', dt: '2026-11-22' } },
      `consumer/event_type=click/dt=2026-11-22/shardId-000000000000/${stem}.jsonl.gz`,
    ],
    ['no partitions', { prefix: 'consumer/' }, `consumer/shardId-000000000000/${stem}.jsonl.gz`],
    ['an empty prefix', { prefix: '' }, `shardId-000000000000/${stem}.jsonl.gz`],
    ['a nested prefix with slashes around', { prefix: '/a/b/' }, `a/b/shardId-000000000000/${stem}.jsonl.gz`],
    [
      'an extension with a dot',
      { prefix: 'c', extension: '.parquet' },
      `c/shardId-000000000000/${stem}.parquet`,
    ],
  ])('builds the key with %s', (_name, input, expected) => {
    expect(batchObjectKey({ ...batch, ...input })).toBe(expected);
  });

  it('returns the same key for the same batch (a retry overwrites)', () => {
    const input = { ...batch, prefix: 'c', partitions: { dt: '2026-11-22' } };

    expect(batchObjectKey(input)).toBe(batchObjectKey({ ...input }));
    expect(batchObjectKey(input)).not.toBe(batchObjectKey({ ...input, lastSequenceNumber: '1' }));
  });

  it.each([
    [{ partitions: { dt: '2026/11/22' } }, 'partitions.dt must not contain "/"'],
    [{ partitions: { dt: '' } }, 'partitions.dt must be a non-empty string'],
    [{ partitions: { 'a=b': 'x' } }, 'partitions key "a=b" must not contain "="'],
    [{ partitions: { '': 'x' } }, 'partitions key "" must be a non-empty string'],
    [{ shardId: '../x' }, 'segments[0] must not contain "/"'],
    [{ shardId: '..' }, 'segments[0] must not be ".."'],
    [{ firstSequenceNumber: '12a' }, 'firstSequenceNumber must be a decimal sequence number, got "12a"'],
    [{ lastSequenceNumber: '' }, 'lastSequenceNumber must be a decimal sequence number, got ""'],
    [{ extension: '' }, 'extension must be a non-empty string'],
  ])('refuses %j, naming the field', (bad, message) => {
    expect(() => batchObjectKey({ ...batch, prefix: 'c', ...bad })).toThrow(message);
  });
});

describe('joinObjectKey', () => {
  it('joins prefix, partitions and segments', () => {
    expect(
      joinObjectKey({ prefix: 'p', partitions: { a: '1' }, segments: ['x', 'y'], extension: 'gz' }),
    ).toBe('p/a=1/x/y.gz');
  });
});
