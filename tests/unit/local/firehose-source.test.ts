import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ManualClock } from '../../../lib/local/firehose-buffer';
import {
  createEmulatedFirehose,
  type FirehoseTransformer,
  type KinesisSourceRecord,
} from '../../../lib/local/firehose';
import { openSourceCheckpoints, SourcePositions } from '../../../lib/local/firehose-source';
import type { DeliveryConfig } from '../../../lib/pipeline/types';
import { aggregate } from '../../../lib/records';

const s3mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const SHARD = 'shardId-000000000000';
const OTHER = 'shardId-000000000001';
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';
let stored: Map<string, string>;

beforeEach(() => {
  s3mock.reset();
  stored = new Map();
  s3mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    stored.set(input.Key as string, Buffer.from(input.Body as Uint8Array).toString('utf8'));
    return { ETag: '"etag"' };
  });
});
afterAll(() => s3mock.restore());

const delivery = (overrides: Partial<DeliveryConfig> = {}): DeliveryConfig => ({
  name: 'clicks',
  source: 'kinesis',
  processor: { function: 'firehoseTransformer', bufferSizeMB: 1, bufferIntervalSeconds: 10, retries: 0 },
  buffering: { sizeMB: 64, intervalSeconds: 60 },
  prefix: 'raw/event_type=!{partitionKeyFromLambda:event_type}/',
  errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
  compression: 'UNCOMPRESSED',
  sourceRecordBackup: false,
  backupPrefix: 'source-records/',
  input: 'json',
  multiRecordDeaggregation: false,
  ...overrides,
});

/** Ok with event_type as key; `drop` → Dropped; `fail` → ProcessingFailed. */
const transformer: FirehoseTransformer = (event) => ({
  records: event.records.map((record) => {
    const { event_type } = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')) as {
      event_type: string;
    };
    if (event_type === 'drop') return { recordId: record.recordId, result: 'Dropped' };
    if (event_type === 'fail') return { recordId: record.recordId, result: 'ProcessingFailed' };
    return {
      recordId: record.recordId,
      result: 'Ok',
      data: record.data,
      metadata: { partitionKeys: { event_type } },
    };
  }),
});

const record = (sequenceNumber: string, type: string, shardId = SHARD): KinesisSourceRecord => ({
  data: Buffer.from(JSON.stringify({ event_type: type, seq: sequenceNumber })),
  partitionKey: 'p',
  sequenceNumber,
  shardId,
  approximateArrivalTimestamp: T0,
});

function start(overrides: Partial<DeliveryConfig> = {}) {
  const clock = new ManualClock(T0);
  const advances: [string, string][] = [];
  const flushes = { count: 0 };
  const stream = createEmulatedFirehose({
    delivery: delivery(overrides),
    s3,
    bucket: 'lake',
    clock,
    transformer,
    sourceStreamArn: STREAM_ARN,
    logger: { warn: jest.fn(), error: jest.fn() },
    sourceCheckpoints: {
      advance: (shardId, sequenceNumber) => advances.push([shardId, sequenceNumber]),
      flush: async () => {
        flushes.count += 1;
      },
    },
  });
  return { stream, clock, advances, flushes };
}

describe('SourcePositions', () => {
  it('moves a shard position only over records read before it that are all durable, shard by shard', () => {
    // Prepare
    const moves: string[] = [];
    const positions = new SourcePositions((shardId, sequenceNumber) =>
      moves.push(`${shardId}@${sequenceNumber}`),
    );
    const one = positions.read(SHARD, '1');
    const two = positions.read(SHARD, '2');
    const three = positions.read(SHARD, '3');
    const other = positions.read(OTHER, '7');
    positions.hold(one);
    positions.hold(two);
    positions.hold(two); // a KPL aggregate: two user records
    positions.hold(three);
    positions.hold(other);
    for (const ref of [one, two, three, other]) positions.seal(ref);

    // Act / Assess: 3 and half of 2 durable → nothing moves while 1 is not.
    positions.release(three);
    positions.release(two);
    expect(moves).toEqual([]);
    positions.release(one);
    expect(moves).toEqual([`${SHARD}@1`]);
    expect(positions.undelivered).toBe(2); // the rest of 2, and 7
    positions.release(two);
    expect(moves).toEqual([`${SHARD}@1`, `${SHARD}@3`]);
    positions.release(other);
    expect(positions.snapshot()).toEqual({ [SHARD]: '3', [OTHER]: '7' });
    expect(positions.undelivered).toBe(0);
  });

  it('does not count a record durable before intake has sealed it, nor one with no records made yet', () => {
    // Prepare
    const moves: string[] = [];
    const positions = new SourcePositions((_shard, sequenceNumber) => moves.push(sequenceNumber));
    const ref = positions.read(SHARD, '1');

    // Act / Assess: its first record is durable while intake still splits the rest.
    positions.hold(ref);
    positions.release(ref);
    expect(moves).toEqual([]);
    positions.seal(ref);
    expect(moves).toEqual(['1']);
  });
});

describe('the emulated Firehose source position', () => {
  it('does not advance while records are buffered or their object is being written, and advances once it is stored', async () => {
    // Prepare: each PutObject waits until the test lets it answer.
    const answers: (() => void)[] = [];
    s3mock
      .on(PutObjectCommand)
      .callsFake(() => new Promise((resolve) => answers.push(() => resolve({ ETag: '"e"' }))));
    const { stream, clock, advances } = start();
    stream.putKinesisRecords([record('1', 'a'), record('2', 'b'), record('3', 'a')]);

    // Act 1: the processor ran; records wait in their partitions' buffers.
    clock.advance(10_000);
    await stream.drain();
    const whileBuffered = [...advances];
    // Act 2: the partition interval passes; both objects are being written.
    clock.advance(60_000);
    await new Promise((resolve) => setImmediate(resolve));
    const whileWriting = [...advances];
    const writes = answers.length;
    // Act 3: partition b's object (record 2) is stored first, then a's (1 and 3).
    answers[1]?.();
    await new Promise((resolve) => setImmediate(resolve));
    const afterB = [...advances];
    answers[0]?.();
    await stream.drain();

    // Assess
    expect(whileBuffered).toEqual([]);
    expect(whileWriting).toEqual([]);
    expect(writes).toBe(2);
    expect(afterB).toEqual([]);
    expect(advances).toEqual([
      [SHARD, '2'],
      [SHARD, '3'],
    ]);
    expect(stream.sourcePositions()).toEqual({ [SHARD]: '3' });
  });

  it('holds the position before a record whose object write failed, and before records discarded on stop', async () => {
    // Prepare: the object of partition b cannot be written (a permanent error).
    s3mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if ((input.Key as string).startsWith('raw/event_type=b/')) {
        throw Object.assign(new Error('denied'), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        });
      }
      return { ETag: '"e"' };
    });
    const { stream, clock, advances, flushes } = start();
    stream.putKinesisRecords([record('1', 'a'), record('2', 'b'), record('3', 'a')]);
    clock.advance(10_000);
    await stream.drain();
    stream.putKinesisRecords([record('4', 'a')]);

    // Act: flush writes 1-3; 4 waits in the processor buffer and is discarded by the second stop.
    clock.advance(60_000);
    await stream.drain();
    await stream.stop({ flush: false });

    // Assess: 1 is durable; 2 failed, so 3 (stored) cannot be passed either; 4 never left the buffer.
    expect(stream.stats()).toMatchObject({ delivered: 2, deliveryFailed: 1, discardedOnStop: 1 });
    expect(advances).toEqual([[SHARD, '1']]);
    expect(flushes.count).toBe(1);
  });

  it('advances over records that were Dropped, written to the error prefix, or de-aggregated from KPL', async () => {
    // Prepare
    const { stream, advances } = start();
    const [kpl] = aggregate([
      { partitionKey: 'p1', explicitHashKey: '1', data: JSON.stringify({ event_type: 'a' }) },
      { partitionKey: 'p2', explicitHashKey: '1', data: JSON.stringify({ event_type: 'fail' }) },
    ]);

    // Act
    stream.putKinesisRecords([
      record('1', 'drop'),
      record('2', 'fail'),
      { ...record('3', 'x'), data: kpl?.data as Buffer },
      record('4', 'drop', OTHER),
    ]);
    await stream.flush();

    // Assess
    expect(stream.stats()).toMatchObject({ dropped: 2, errorOutput: 2, delivered: 1, pending: 0 });
    expect(stream.sourcePositions()).toEqual({ [SHARD]: '3', [OTHER]: '4' });
    const moves = advances.filter(([shard]) => shard === SHARD).map(([, seq]) => Number(seq));
    expect(moves).toEqual([...moves].sort((a, b) => a - b));
    expect(moves.at(-1)).toBe(3);
  });

  it('keeps no source position for DirectPut', async () => {
    // Prepare
    const clock = new ManualClock(T0);
    const stream = createEmulatedFirehose({
      delivery: delivery({ source: 'direct-put' }),
      s3,
      bucket: 'lake',
      clock,
      transformer,
    });

    // Act
    stream.put([JSON.stringify({ event_type: 'a' })]);
    await stream.flush();

    // Assess
    expect(stream.stats().delivered).toBe(1);
    expect(stream.sourcePositions()).toEqual({});
  });
});

describe('openSourceCheckpoints', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fh-source-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const files = () => ({
    file: join(dir, 'firehose-checkpoints.json'),
    readFile: join(dir, 'firehose-read-positions.json'),
    functionName: 'firehoseSource',
    streamArn: () => STREAM_ARN,
  });

  it('after a kill, restarts the reader from the last durable position, not from where it had read', async () => {
    // Prepare: run 1 delivers 1-2; 3-4 are read (the reader's own file says 4) but still buffered.
    let checkpoints = await openSourceCheckpoints(files());
    const first = start();
    const stream = createEmulatedFirehose({
      delivery: delivery(),
      s3,
      bucket: 'lake',
      clock: first.clock,
      transformer,
      sourceStreamArn: STREAM_ARN,
      sourceCheckpoints: checkpoints,
    });
    stream.putKinesisRecords([record('1', 'a'), record('2', 'a')]);
    first.clock.advance(10_000);
    await stream.drain();
    first.clock.advance(60_000);
    await stream.drain();
    stream.putKinesisRecords([record('3', 'a'), record('4', 'b')]);
    await checkpoints.flush();
    await writeFile(
      files().readFile,
      JSON.stringify({
        version: 1,
        streamArn: STREAM_ARN,
        functionName: 'firehoseSource',
        updatedAt: '',
        shards: { [SHARD]: { sequenceNumber: '4' } },
      }),
    );

    // Act: the process dies here (no stop, no flush); a new run opens the same state.
    checkpoints = await openSourceCheckpoints(files());

    // Assess
    const reader = JSON.parse(await readFile(files().readFile, 'utf8')) as {
      shards: unknown;
      streamArn: string;
    };
    expect(reader.shards).toEqual({ [SHARD]: { sequenceNumber: '2' } });
    expect(reader.streamArn).toBe(STREAM_ARN);
    expect(checkpoints.positions()).toEqual({ [SHARD]: '2' });
    expect(stored.size).toBe(1);
  });

  it('removes the reader file when nothing was ever durable, so the reader starts over', async () => {
    // Prepare
    await writeFile(
      files().readFile,
      JSON.stringify({
        version: 1,
        streamArn: STREAM_ARN,
        functionName: 'firehoseSource',
        updatedAt: '',
        shards: { [SHARD]: { sequenceNumber: '9' } },
      }),
    );

    // Act
    const checkpoints = await openSourceCheckpoints(files());

    // Assess
    await expect(readFile(files().readFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(checkpoints.positions()).toEqual({});
  });

  it('refuses a durable file that is not a checkpoint document, naming it', async () => {
    // Prepare
    await writeFile(files().file, '{"version": 2}');

    // Act / Assess
    await expect(openSourceCheckpoints(files())).rejects.toThrow(
      /firehose-checkpoints\.json: not a version 1 checkpoint document/,
    );
  });
});
