import { hash } from 'node:crypto';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ManualClock } from '../../../lib/local/firehose-buffer';
import {
  createEmulatedFirehose,
  FirehoseConfigError,
  type EmulatedFirehoseOptions,
  type KinesisSourceRecord,
} from '../../../lib/local/firehose';
import { isTransientS3Error } from '../../../lib/local/firehose-writer';
import type { DeliveryConfig } from '../../../lib/pipeline/types';
import { S3WriteError } from '../../../lib/sinks/s3';
import { KPL_MAGIC } from '../../../lib/records';

const s3mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const SHARD = 'shardId-000000000000';

/** What the S3 endpoint holds, by key: a write that answered 500 after storing is here too. */
let bucket: Map<string, string>;
/** The key of every PutObject request, in order. */
let requests: string[];

beforeEach(() => {
  s3mock.reset();
  bucket = new Map();
  requests = [];
});
afterAll(() => s3mock.restore());

const sdkError = (name: string, status: number | undefined, code?: string): Error =>
  Object.assign(new Error(`${name} from the test`), {
    name,
    ...(code && { code }),
    $metadata: status === undefined ? {} : { httpStatusCode: status },
  });

type Fault = { when: 'before' | 'after'; error: Error };

/** PutObject answers the scripted faults in order (before or after storing the body), then succeeds. */
function s3WithFaults(faults: Fault[]): void {
  const script = [...faults];
  s3mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    const key = input.Key as string;
    requests.push(key);
    const fault = script.shift();
    if (fault?.when === 'before') throw fault.error;
    bucket.set(key, Buffer.from(input.Body as Uint8Array).toString('utf8'));
    if (fault?.when === 'after') throw fault.error;
    return { ETag: '"e"' };
  });
}

const delivery: DeliveryConfig = {
  name: 'clicks',
  source: 'kinesis',
  processor: { function: 'none', bufferSizeMB: 1, bufferIntervalSeconds: 60, retries: 0 },
  buffering: { sizeMB: 64, intervalSeconds: 60 },
  prefix: 'raw/',
  errorOutputPrefix: 'errors/',
  compression: 'UNCOMPRESSED',
  sourceRecordBackup: false,
  backupPrefix: 'source-records/',
  input: 'json',
  multiRecordDeaggregation: false,
};

const records = (count: number): KinesisSourceRecord[] =>
  Array.from({ length: count }, (_, index) => ({
    data: Buffer.from(`{"n":${index + 1}}`),
    partitionKey: 'p',
    sequenceNumber: String(index + 1),
    shardId: SHARD,
    approximateArrivalTimestamp: T0,
  }));

function start(options: Partial<EmulatedFirehoseOptions> = {}) {
  const waits: number[] = [];
  const advances: string[] = [];
  const logger = { warn: jest.fn(), error: jest.fn() };
  const created: string[] = [];
  const stream = createEmulatedFirehose({
    delivery,
    s3,
    bucket: 'lake',
    clock: new ManualClock(T0),
    sourceStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks',
    logger,
    appendDelimiter: true,
    onObjectCreated: ({ key }) => {
      created.push(key);
    },
    sourceCheckpoints: {
      advance: (_shard, sequenceNumber) => advances.push(sequenceNumber),
      flush: async () => {},
    },
    ...options,
    s3Retry: {
      initialDelayMs: 100,
      maxDelayMs: 400,
      windowMs: 1_000,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...options.s3Retry,
    },
  });
  return { stream, waits, advances, logger, created };
}

const lines = (): string[] => [...bucket.values()].flatMap((body) => body.trimEnd().split('\n'));

describe('isTransientS3Error', () => {
  it.each<[string, unknown, boolean]>([
    ['503 SlowDown', sdkError('SlowDown', 503), true],
    ['a 500 without a known name', sdkError('Weird', 500), true],
    ['a reset connection', sdkError('TimeoutError', undefined, 'ECONNRESET'), true],
    [
      'no HTTP answer, code lost (the SDK wrapper across VM contexts)',
      new Error('AWS SDK error wrapper for TimeoutError'),
      true,
    ],
    [
      'the same inside an S3WriteError',
      new S3WriteError('PutObject', 'b', 'k', new Error('socket hang up')),
      true,
    ],
    ['403 AccessDenied', sdkError('AccessDenied', 403), false],
    ['an answered 404 of any name', sdkError('Whatever', 404), false],
    ['NoSuchBucket without metadata', Object.assign(new Error('no bucket'), { name: 'NoSuchBucket' }), false],
    ['a string', 'boom', false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isTransientS3Error(error)).toBe(expected);
  });
});

describe('S3 writes of the emulated Firehose under faults', () => {
  it.each<[string, Error]>([
    ['503 SlowDown', sdkError('SlowDown', 503)],
    ['500 InternalError', sdkError('InternalError', 500)],
    ['a connection reset', sdkError('Error', undefined, 'ECONNRESET')],
  ])(
    'retries a write refused with %s before storing, with the same key, and loses nothing',
    async (_name, error) => {
      // Prepare
      s3WithFaults([
        { when: 'before', error },
        { when: 'before', error },
      ]);
      const { stream, waits, advances, created } = start();

      // Act
      stream.putKinesisRecords(records(3));
      await stream.flush();

      // Assess
      expect(requests).toHaveLength(3);
      expect(new Set(requests).size).toBe(1);
      expect(waits).toEqual([100, 200]);
      expect(lines()).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
      expect(created).toEqual([requests[0]]);
      expect(stream.stats()).toMatchObject({
        delivered: 3,
        deliveryFailed: 0,
        s3Retries: 2,
        objects: 1,
        pending: 0,
      });
      expect(advances.at(-1)).toBe('3');
    },
  );

  it('overwrites the same object when a write that stored the body answered 500 (no duplicate)', async () => {
    // Prepare
    s3WithFaults([{ when: 'after', error: sdkError('InternalError', 500) }]);
    const { stream } = start();

    // Act
    stream.putKinesisRecords(records(2));
    await stream.flush();

    // Assess
    expect(requests).toHaveLength(2);
    expect(requests[1]).toBe(requests[0]);
    expect(bucket.size).toBe(1);
    expect(lines()).toEqual(['{"n":1}', '{"n":2}']);
    expect(stream.stats()).toMatchObject({ delivered: 2, objects: 1, s3Retries: 1 });
  });

  it('gives up when the next wait would pass the window: delivery failed, source position kept before the records', async () => {
    // Prepare: 100 + 200 + 400 = 700 ms waited; another 400 would pass 1,000.
    const fault = { when: 'before' as const, error: sdkError('ServiceUnavailable', 503) };
    s3WithFaults(Array.from({ length: 10 }, () => fault));
    const { stream, waits, advances, logger } = start();

    // Act
    stream.putKinesisRecords(records(2));
    await stream.flush();

    // Assess
    expect(waits).toEqual([100, 200, 400]);
    expect(requests).toHaveLength(4);
    expect(stream.stats()).toMatchObject({ delivered: 0, deliveryFailed: 2, s3Retries: 3, pending: 0 });
    expect(advances).toEqual([]);
    expect(stream.sourcePositions()).toEqual({});
    expect(logger.error).toHaveBeenCalledWith(
      'emulated Firehose: object write failed',
      expect.objectContaining({ attempts: 4, reason: expect.stringContaining('700 ms') as string }),
    );
  });

  it('does not retry a permanent error (403 AccessDenied)', async () => {
    // Prepare
    s3WithFaults([{ when: 'before', error: sdkError('AccessDenied', 403) }]);
    const { stream, waits, advances } = start();

    // Act
    stream.putKinesisRecords(records(1));
    await stream.flush();

    // Assess
    expect(requests).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(stream.stats()).toMatchObject({ deliveryFailed: 1, s3Retries: 0 });
    expect(advances).toEqual([]);
  });

  it('retries error-prefix writes the same way', async () => {
    // Prepare: a KPL aggregate with a valid checksum and no user records goes to the error prefix.
    s3WithFaults([{ when: 'after', error: sdkError('InternalError', 500) }]);
    const { stream, advances } = start();
    const empty = Buffer.alloc(0);
    const broken = Buffer.concat([KPL_MAGIC, empty, hash('md5', empty, 'buffer')]);

    // Act
    stream.putKinesisRecords([{ ...records(1)[0]!, data: broken }]);
    await stream.flush();

    // Assess
    expect(requests).toHaveLength(2);
    expect(requests[1]).toBe(requests[0]);
    expect(requests[0]).toMatch(/^errors\//);
    expect(stream.stats()).toMatchObject({ errorOutput: 1, s3Retries: 1 });
    expect(advances).toEqual(['1']);
  });

  it('refuses a negative retry window, naming the option', () => {
    expect(() => start({ s3Retry: { windowMs: -1 } })).toThrow(FirehoseConfigError);
    expect(() => start({ s3Retry: { windowMs: -1 } })).toThrow(/s3Retry\.windowMs: must be >= 0/);
  });
});
