import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createVirtualClock } from '../../../lib/generator/clock';
import {
  KinesisEventSourceMapping,
  type BatchReport,
  type DeadLetterReport,
  type EventSourceMappingOptions,
  type KinesisWindowEvent,
  type OnFailureRecord,
} from '../../../lib/local/event-source-mapping';
import { FakeKinesis, START_MS, awsError, silentLogger, text } from './esm-support';
import { DEAD_LETTER_DATA_BYTES, withRecordData, type MappingRecord } from '../../../lib/local/esm-events';

type Handler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;
type TestOptions = Partial<Omit<EventSourceMappingOptions, 'handler'>> & { handler?: Handler };

interface Harness {
  fake: FakeKinesis;
  clock: ReturnType<typeof createVirtualClock>;
  batches: string[][];
  reports: BatchReport[];
  deadLetters: DeadLetterReport[];
  mapping(options?: TestOptions): KinesisEventSourceMapping;
}

let directory: string;
let fakes: FakeKinesis[] = [];
let mappings: KinesisEventSourceMapping[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'esm-unit-'));
});

afterEach(async () => {
  await Promise.all(mappings.map((mapping) => mapping.stop()));
  for (const fake of fakes) fake.restore();
  mappings = [];
  fakes = [];
  await rm(directory, { recursive: true, force: true });
});

/** A fake stream, a virtual clock, and mappings that record every delivered batch (record texts). */
function harness(shards = 1, handler?: Handler): Harness {
  const clock = createVirtualClock(START_MS);
  const fake = new FakeKinesis('clicks', shards, clock.now);
  fakes.push(fake);
  const batches: string[][] = [];
  const reports: BatchReport[] = [];
  const deadLetters: DeadLetterReport[] = [];
  return {
    fake,
    clock,
    batches,
    reports,
    deadLetters,
    mapping(options = {}) {
      const { handler: given, ...rest } = options;
      const inner = (given ?? handler ?? (async () => undefined)) as Handler;
      const mapping = new KinesisEventSourceMapping({
        client: fake.client,
        streamName: 'clicks',
        startingPosition: 'TRIM_HORIZON',
        batchSize: 10,
        retryBackoff: { baseDelayMs: 10, maxDelayMs: 100 },
        pollBackoff: { baseDelayMs: 10, maxDelayMs: 1_000 },
        clock,
        random: () => 0.5,
        logger: silentLogger,
        handler: async (event: KinesisStreamEvent) => {
          batches.push(event.Records.map(text));
          return inner(event);
        },
        ...rest,
      });
      mapping.on('batch', (report) => reports.push(report));
      mapping.on('dead-letter', (report) => deadLetters.push(report));
      mappings.push(mapping);
      return mapping;
    },
  };
}

const texts = (from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, index) => `r${from + index}`);

describe('delivery', () => {
  it('delivers every record once, in shard order, in batches of batchSize, in the Lambda event shape', async () => {
    // Prepare
    const h = harness(2);
    const events: KinesisStreamEvent[] = [];
    h.fake.putMany(25, (index) => `pk-${index}`, { shard: 0 });
    h.fake.putMany(5, (index) => `pk-${index}`, { shard: 1 });
    const mapping = h.mapping({
      handler: async (event) => {
        events.push(event);
      },
    });

    // Act
    await mapping.start();
    const counters = await mapping.drain();

    // Assess
    const byShard = (shard: string) =>
      events
        .filter((event) => event.Records[0]!.eventID.startsWith(shard))
        .map((event) => event.Records.map(text));
    expect(byShard('shardId-000000000000')).toEqual([texts(0, 10), texts(10, 20), texts(20, 25)]);
    expect(byShard('shardId-000000000001')).toEqual([texts(0, 5)]);
    const record = events[0]!.Records[0]!;
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: expect.stringMatching(/^pk-/),
        sequenceNumber: expect.stringMatching(/^\d{56}$/),
        data: expect.any(String),
        approximateArrivalTimestamp: START_MS / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${record.eventID.split(':')[0]}:${record.kinesis.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/kinesis-pipeline-consumer',
      awsRegion: 'us-east-1',
      eventSourceARN: h.fake.arn,
    });
    expect(counters).toMatchObject({
      batches: 4,
      records: 30,
      succeededRecords: 30,
      redeliveredRecords: 0,
      failedBatches: 0,
    });
  });
});

describe('ReportBatchItemFailures (reference §3)', () => {
  it('checkpoints at the lowest reported sequence number and re-delivers from there, successes included', async () => {
    // Prepare
    const h = harness();
    const sequences = h.fake.putMany(10);
    let first = true;
    const mapping = h.mapping({
      handler: async () => {
        if (!first) return undefined;
        first = false;
        return {
          batchItemFailures: [sequences[6]!, sequences[3]!, sequences[8]!].map((itemIdentifier) => ({
            itemIdentifier,
          })),
        };
      },
    });

    // Act
    await mapping.start();
    const counters = await mapping.drain();

    // Assess
    expect(h.batches).toEqual([texts(0, 10), texts(3, 10)]);
    expect(counters).toMatchObject({
      redeliveredRecords: 7,
      succeededRecords: 10,
      retries: 1,
      failedBatches: 1,
    });
    expect(counters.failureReasons.itemFailure).toBe(1);
  });
});

describe.each([
  ['nothing (undefined)', undefined],
  ['null', null],
  ['an empty object', {}],
  ['an empty list', { batchItemFailures: [] }],
  ['a null list', { batchItemFailures: null }],
  ['an unrelated object', { statusCode: 200 }],
])('a response of %s', (_name, response) => {
  it('is full success: nothing is re-delivered', async () => {
    // Prepare
    const h = harness();
    h.fake.putMany(4);
    const mapping = h.mapping({ handler: async () => response as never, bisectBatchOnFunctionError: false });

    // Act
    await mapping.start();
    const counters = await mapping.drain();

    // Assess
    expect(h.batches).toEqual([texts(0, 4)]);
    expect(counters).toMatchObject({ failedBatches: 0, redeliveredRecords: 0, succeededRecords: 4 });
  });
});

describe.each([
  ['an empty itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: '' }] }), 'emptyItemIdentifier'],
  ['a null itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: null }] }), 'emptyItemIdentifier'],
  [
    'a misspelled itemIdentifier key',
    (s: string[]) => ({ batchItemFailures: [{ ItemIdentifier: s[2] }] }),
    'misspelledKey',
  ],
  [
    'an itemIdentifier not in the batch',
    () => ({ batchItemFailures: [{ itemIdentifier: '123' }] }),
    'unknownItemIdentifier',
  ],
  [
    'a misspelled batchItemFailures key',
    (s: string[]) => ({ batchItemFailure: [{ itemIdentifier: s[2] }] }),
    'misspelledKey',
  ],
  ['a list that is not a list', () => ({ batchItemFailures: 'all' }), 'invalidBatchItemFailures'],
  ['a string', () => 'ok', 'invalidResponse'],
])('a response with %s', (_name, response, reason) => {
  it('fails the whole batch, which is re-delivered from its first record', async () => {
    // Prepare
    const h = harness();
    const sequences = h.fake.putMany(4);
    let calls = 0;
    const mapping = h.mapping({
      handler: async () => ((calls += 1) === 1 ? (response(sequences) as never) : undefined),
      bisectBatchOnFunctionError: false,
    });

    // Act
    await mapping.start();
    const counters = await mapping.drain();

    // Assess
    expect(h.batches).toEqual([texts(0, 4), texts(0, 4)]);
    expect(counters.failureReasons[reason as keyof typeof counters.failureReasons]).toBe(1);
    expect(h.reports[0]).toMatchObject({ outcome: 'failure', reason, attempt: 1 });
    expect(counters).toMatchObject({ retries: 1, redeliveredRecords: 4, succeededRecords: 4 });
  });
});

describe('handler errors, bisect and retries', () => {
  it('bisects a failing batch to isolate a poison record; splits are not retries', async () => {
    // Prepare
    const h = harness();
    const sequences = h.fake.putMany(8);
    const mapping = h.mapping({
      batchSize: 8,
      maximumRetryAttempts: 0,
      handler: async (event) => {
        if (event.Records.some((record) => text(record) === 'r5')) throw new TypeError('cannot parse r5');
      },
    });

    // Act
    await mapping.start();
    const counters = await mapping.drain();

    // Assess
    expect(h.batches).toEqual([
      texts(0, 8),
      texts(0, 4),
      texts(4, 8),
      texts(4, 6),
      ['r4'],
      ['r5'],
      texts(6, 8),
    ]);
    expect(counters).toMatchObject({ bisects: 3, retries: 0, handlerErrors: 4, deadLetterRecords: 1 });
    expect(h.deadLetters.map((report) => report.record.KinesisBatchInfo)).toEqual([
      expect.objectContaining({
        startSequenceNumber: sequences[5],
        endSequenceNumber: sequences[5],
        batchSize: 1,
      }),
    ]);
  });

  it('splits at the reported record when bisect is on and a partial failure moves the checkpoint', async () => {
    // Prepare
    const h = harness();
    const sequences = h.fake.putMany(6);
    let calls = 0;
    const mapping = h.mapping({
      batchSize: 4,
      handler: async () =>
        (calls += 1) === 1 ? { batchItemFailures: [{ itemIdentifier: sequences[2]! }] } : undefined,
    });

    // Act
    await mapping.start();
    await mapping.drain();

    // Assess: the rest of the failed batch goes alone, not refilled to batchSize.
    expect(h.batches).toEqual([texts(0, 4), texts(2, 4), texts(4, 6)]);
  });

  it("keeps the records' data in each on-failure line with deadLetterData, the pointer over 6 MiB", async () => {
    // Prepare
    const h = harness();
    h.fake.putMany(6);
    const deadLetterFile = join(directory, 'dlq', 'consumer.jsonl');
    const mapping = h.mapping({
      batchSize: 4,
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: 0,
      deadLetterFile,
      deadLetterData: true,
      handler: async (event) => {
        if (text(event.Records[0]!) === 'r0') throw new Error('sink down');
      },
    });

    // Act
    await mapping.start();
    await mapping.drain();

    // Assess
    const lines = (await readFile(deadLetterFile, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as OnFailureRecord & {
      records: { sequenceNumber: string; data: string }[];
    };
    expect(line.records.map((record) => Buffer.from(record.data, 'base64').toString('utf8'))).toEqual(
      texts(0, 4),
    );
    expect(line.records[0]!.sequenceNumber).toBe(line.KinesisBatchInfo.startSequenceNumber);
    expect(line.records[3]!.sequenceNumber).toBe(line.KinesisBatchInfo.endSequenceNumber);
    const big = {
      sequenceNumber: '1',
      partitionKey: 'k',
      arrivalMs: START_MS,
      data: 'A'.repeat(DEAD_LETTER_DATA_BYTES + 1),
    };
    const { records: _data, ...pointer } = line;
    const omitted = withRecordData(pointer, [big as MappingRecord]);
    expect(omitted.records).toBeUndefined();
    expect(omitted.recordsOmitted).toMatch(/over 6291456: fetch them back with KinesisBatchInfo/);
    expect(omitted.KinesisBatchInfo).toEqual(line.KinesisBatchInfo);
  });

  it('sends an on-failure record in the exact reference §5 shape when retries are exhausted, then moves on', async () => {
    // Prepare
    const h = harness();
    const sequences = h.fake.putMany(6);
    const deadLetterFile = join(directory, 'dlq', 'consumer.jsonl');
    const checkpointFile = join(directory, 'checkpoints.json');
    const mapping = h.mapping({
      batchSize: 4,
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: 2,
      functionName: 'streamConsumer',
      deadLetterFile,
      checkpointFile,
      handler: async (event) => {
        if (text(event.Records[0]!) === 'r0') throw new Error('sink down');
      },
    });

    // Act
    await mapping.start();
    const counters = await mapping.drain();

    // Assess
    expect(h.batches).toEqual([texts(0, 4), texts(0, 4), texts(0, 4), texts(4, 6)]);
    const lines = (await readFile(deadLetterFile, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as OnFailureRecord;
    expect(Object.keys(record)).toEqual([
      'requestContext',
      'responseContext',
      'version',
      'timestamp',
      'KinesisBatchInfo',
    ]);
    expect(record.requestContext).toEqual({
      requestId: h.reports[2]!.requestId,
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:streamConsumer',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    });
    expect(record.responseContext).toEqual({
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: 'Unhandled',
    });
    expect(record.version).toBe('1.0');
    expect(new Date(record.timestamp).getTime()).toBeGreaterThanOrEqual(START_MS);
    expect(record.timestamp).toBe(new Date(record.timestamp).toISOString());
    expect(record.KinesisBatchInfo).toEqual({
      shardId: 'shardId-000000000000',
      startSequenceNumber: sequences[0],
      endSequenceNumber: sequences[3],
      approximateArrivalOfFirstRecord: new Date(START_MS).toISOString(),
      approximateArrivalOfLastRecord: new Date(START_MS).toISOString(),
      batchSize: 4,
      streamArn: h.fake.arn,
    });
    expect(h.deadLetters[0]!.reason).toMatch(/3 failed attempt\(s\).*sink down/);
    expect(counters).toMatchObject({
      retries: 2,
      handlerErrors: 3,
      deadLetterBatches: 1,
      deadLetterRecords: 4,
    });
    const checkpoints = JSON.parse(await readFile(checkpointFile, 'utf8'));
    expect(checkpoints.shards['shardId-000000000000'].sequenceNumber).toBe(sequences[5]);
  });

  it('reports a failure the handler answered (not threw) with functionError None', async () => {
    // Prepare
    const h = harness();
    const sequences = h.fake.putMany(2);
    const mapping = h.mapping({
      maximumRetryAttempts: 0,
      bisectBatchOnFunctionError: false,
      handler: async () => ({ batchItemFailures: [{ itemIdentifier: sequences[0]! }] }),
    });

    // Act
    await mapping.start();
    await mapping.drain();

    // Assess
    expect(h.deadLetters[0]!.record.responseContext.functionError).toBe('None');
    expect(h.deadLetters[0]!.record.requestContext.approximateInvokeCount).toBe(1);
  });
});

describe('function timeout', () => {
  it('fails an invocation that outlives functionTimeoutSeconds, as Lambda does', async () => {
    // Prepare
    const h = harness();
    h.fake.putMany(2);
    let calls = 0;
    const mapping = h.mapping({
      functionTimeoutSeconds: 3,
      bisectBatchOnFunctionError: false,
      handler: async () => {
        if ((calls += 1) === 1) await h.clock.sleep(10_000);
      },
    });

    // Act
    await mapping.start();
    const counters = await mapping.drain();

    // Assess
    expect(h.reports[0]).toMatchObject({ outcome: 'failure', reason: 'functionError' });
    expect(h.reports[0]!.message).toMatch(/Sandbox.Timedout: Task timed out after 3.00 seconds/);
    expect(h.batches).toEqual([texts(0, 2), texts(0, 2)]);
    expect(counters.handlerErrors).toBe(1);
  });
});

describe('maximum record age', () => {
  it('skips records older than the limit without invoking, and reports them as RecordAgeExceeded', async () => {
    // Prepare
    const h = harness();
    const old = h.fake.putMany(3, () => 'pk', { arrivalMs: START_MS - 120_000 });
    h.fake.put('pk', 'fresh');
    const mapping = h.mapping({ maximumRecordAgeSeconds: 60 });

    // Act
    await mapping.start();
    const counters = await mapping.drain();

    // Assess
    expect(h.batches).toEqual([['fresh']]);
    expect(counters).toMatchObject({ expiredRecords: 3, deadLetterRecords: 3, succeededRecords: 1 });
    const record = h.deadLetters[0]!.record;
    expect(record.requestContext).toMatchObject({
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 0,
    });
    expect(record.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: old[0],
      endSequenceNumber: old[2],
      batchSize: 3,
      approximateArrivalOfFirstRecord: new Date(START_MS - 120_000).toISOString(),
    });
  });

  it('ends infinite retries once the records pass the age limit', async () => {
    // Prepare
    const h = harness();
    h.fake.putMany(2);
    const mapping = h.mapping({
      maximumRetryAttempts: -1,
      maximumRecordAgeSeconds: 60,
      bisectBatchOnFunctionError: false,
      retryBackoff: { baseDelayMs: 10_000, maxDelayMs: 20_000 },
      handler: async () => {
        throw new Error('always');
      },
    });

    // Act
    await mapping.start();
    const counters = await mapping.drain();

    // Assess
    const record = h.deadLetters[0]!.record;
    expect(record.requestContext.condition).toBe('RecordAgeExceeded');
    expect(record.requestContext.approximateInvokeCount).toBe(h.batches.length);
    expect(record.responseContext.functionError).toBe('Unhandled');
    expect(h.batches.length).toBeGreaterThan(2);
    expect(counters.expiredRecords).toBe(2);
  });
});

describe('checkpoints and restarts', () => {
  it('resumes from the persisted checkpoint after a restart', async () => {
    // Prepare
    const h = harness();
    const checkpointFile = join(directory, 'checkpoints.json');
    const sequences = h.fake.putMany(15);
    const first = h.mapping({ checkpointFile });
    await first.start();
    await first.drain();
    await first.stop();
    const saved = JSON.parse(await readFile(checkpointFile, 'utf8'));
    sequences.push(...h.fake.putMany(5, () => 'pk', { from: 15 }));
    h.batches.length = 0;

    // Act
    const second = h.mapping({ checkpointFile });
    await second.start();
    await second.drain();

    // Assess
    expect(saved).toMatchObject({
      version: 1,
      streamArn: h.fake.arn,
      functionName: 'local-function',
      shards: { 'shardId-000000000000': { sequenceNumber: sequences[14] } },
    });
    expect(h.batches).toEqual([texts(15, 20)]);
    expect(h.fake.iteratorRequests.at(-1)).toMatchObject({
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: sequences[14],
    });
  });

  it('resumes at the failing record when stopped while retrying it', async () => {
    // Prepare
    const h = harness();
    const checkpointFile = join(directory, 'checkpoints.json');
    const sequences = h.fake.putMany(10);
    const stuck = h.mapping({
      checkpointFile,
      maximumRetryAttempts: -1,
      bisectBatchOnFunctionError: false,
      handler: async () => ({ batchItemFailures: [{ itemIdentifier: sequences[7]! }] }),
    });
    const retried = new Promise<void>((resolve) =>
      stuck.on('batch', (report) => report.attempt >= 2 && resolve()),
    );
    await stuck.start();
    await retried;
    await stuck.stop();
    h.batches.length = 0;

    // Act
    const healthy = h.mapping({ checkpointFile });
    await healthy.start();
    await healthy.drain();

    // Assess
    expect(
      JSON.parse(await readFile(checkpointFile, 'utf8')).shards['shardId-000000000000'].sequenceNumber,
    ).toBe(sequences[9]);
    expect(h.batches).toEqual([texts(7, 10)]);
  });

  it('keeps lane checkpoints with parallelization, so a restart does not repeat a lane that was ahead', async () => {
    // Prepare: key "a" always fails (blocks the shard checkpoint), key "b" succeeds in another lane.
    const h = harness();
    const checkpointFile = join(directory, 'checkpoints.json');
    const { laneOf } = await import('../../../lib/local/esm-events');
    const other = ['b', 'c', 'd', 'e', 'f', 'g'].find((key) => laneOf(key, 2) !== laneOf('a', 2))!;
    h.fake.putMany(8, (index) => (index % 2 === 0 ? 'a' : other));
    const stuck = h.mapping({
      checkpointFile,
      parallelizationFactor: 2,
      maximumRetryAttempts: -1,
      bisectBatchOnFunctionError: false,
      handler: async (event) => {
        if (event.Records.some((record) => record.kinesis.partitionKey === 'a'))
          throw new Error('a is broken');
      },
    });
    const otherDone = new Promise<void>((resolve) =>
      stuck.on('batch', (report) => report.outcome === 'success' && resolve()),
    );
    await stuck.start();
    await otherDone;
    await stuck.stop();
    h.batches.length = 0;

    // Act
    const healthy = h.mapping({ checkpointFile, parallelizationFactor: 2 });
    await healthy.start();
    const counters = await healthy.drain();

    // Assess
    expect(h.batches).toEqual([['r0', 'r2', 'r4', 'r6']]);
    expect(counters.restartSkippedRecords).toBe(4);
  });

  it('refuses a checkpoint file written for another function', async () => {
    // Prepare
    const h = harness();
    const checkpointFile = join(directory, 'checkpoints.json');
    h.fake.putMany(1);
    const first = h.mapping({ checkpointFile, functionName: 'one' });
    await first.start();
    await first.drain();
    await first.stop();

    // Act
    const second = h.mapping({ checkpointFile, functionName: 'two' });

    // Assess
    await expect(second.start()).rejects.toThrow(/belongs to one on .*clicks, not two/);
  });
});

describe('tumbling windows (reference §4)', () => {
  type WindowHandler = (event: KinesisWindowEvent) => Promise<unknown>;
  const counting: WindowHandler = async (event) => ({
    state: { count: ((event.state.count as number | undefined) ?? 0) + event.Records.length },
  });

  function windowHarness(handler: WindowHandler, options: TestOptions = {}) {
    const h = harness();
    const events: KinesisWindowEvent[] = [];
    const mapping = h.mapping({
      ...options,
      batchSize: 2,
      tumblingWindowSeconds: 60,
      handler: (async (event: KinesisWindowEvent) => {
        events.push(structuredClone(event));
        return handler(event);
      }) as never,
    });
    const finals = (count: number) =>
      new Promise<void>((resolve) => {
        let seen = 0;
        mapping.on('window', () => (seen += 1) === count && resolve());
      });
    return { h, mapping, events, finals };
  }

  it('carries state across the batches of a window and ends it with a final invoke', async () => {
    // Prepare
    const { h, mapping, events, finals } = windowHarness(counting);
    h.fake.putMany(5, () => 'pk', { arrivalMs: START_MS + 1_000 });
    h.fake.putMany(3, () => 'pk', { arrivalMs: START_MS + 65_000 });
    const bothFinal = finals(2);

    // Act
    await mapping.start();
    await bothFinal;

    // Assess
    const summary = events.map((event) => [
      event.window.start,
      event.Records.length,
      event.state,
      event.isFinalInvokeForWindow,
    ]);
    expect(summary).toEqual([
      ['2026-11-22T12:00:00Z', 2, {}, false],
      ['2026-11-22T12:00:00Z', 2, { count: 2 }, false],
      ['2026-11-22T12:00:00Z', 1, { count: 4 }, false],
      ['2026-11-22T12:00:00Z', 0, { count: 5 }, true],
      ['2026-11-22T12:01:00Z', 2, {}, false],
      ['2026-11-22T12:01:00Z', 1, { count: 2 }, false],
      ['2026-11-22T12:01:00Z', 0, { count: 3 }, true],
    ]);
    expect(events[3]).toMatchObject({
      window: { start: '2026-11-22T12:00:00Z', end: '2026-11-22T12:01:00Z' },
      shardId: 'shardId-000000000000',
      eventSourceARN: h.fake.arn,
      isWindowTerminatedEarly: false,
      Records: [],
    });
    expect(mapping.counters.windowFinalInvokes).toBe(2);
  });

  it('counts a response without state as a failed invocation', async () => {
    // Prepare
    let calls = 0;
    const { h, mapping, events, finals } = windowHarness(
      async (event) => ((calls += 1) === 1 ? { batchItemFailures: [] } : counting(event)),
      { bisectBatchOnFunctionError: false },
    );
    h.fake.putMany(2);
    const final = finals(1);

    // Act
    await mapping.start();
    await final;

    // Assess
    expect(events.map((event) => [event.Records.length, event.state])).toEqual([
      [2, {}],
      [2, {}],
      [0, { count: 2 }],
    ]);
    expect(mapping.counters.failureReasons.missingState).toBe(1);
  });

  it('ends a window early when its state passes 1 MB, and starts the rest with fresh state', async () => {
    // Prepare
    let calls = 0;
    const { h, mapping, events, finals } = windowHarness(async (event) =>
      (calls += 1) === 1 ? { state: { big: 'x'.repeat(1_100_000) } } : counting(event),
    );
    h.fake.putMany(4);
    const two = finals(2);

    // Act
    await mapping.start();
    await two;

    // Assess
    expect(
      events.map((event) => [
        event.Records.length,
        event.isFinalInvokeForWindow,
        event.isWindowTerminatedEarly,
      ]),
    ).toEqual([
      [2, false, false],
      [0, true, true],
      [2, false, false],
      [0, true, false],
    ]);
    expect(events[2]!.state).toEqual({});
  });
});

describe('parallelization factor', () => {
  it('runs batches of one shard concurrently while keeping each partition key in order', async () => {
    // Prepare
    const h = harness();
    const keys = Array.from({ length: 12 }, (_, index) => `key-${index}`);
    h.fake.putMany(120, (index) => keys[index % keys.length]!);
    let inFlight = 0;
    let maxInFlight = 0;
    const firstDeliveries = new Map<string, number[]>();
    const failedOnce = new Set<string>();
    const mapping = h.mapping({
      parallelizationFactor: 4,
      batchSize: 5,
      bisectBatchOnFunctionError: false,
      handler: async (event) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await h.clock.sleep(1 + (Number(text(event.Records[0]!).slice(1)) % 7) * 10);
        inFlight -= 1;
        for (const record of event.Records) {
          const index = Number(text(record).slice(1));
          if (index % 17 === 3 && !failedOnce.has(text(record))) {
            failedOnce.add(text(record));
            return { batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
          }
          const seen = firstDeliveries.get(record.kinesis.partitionKey) ?? [];
          if (!seen.includes(index)) seen.push(index);
          firstDeliveries.set(record.kinesis.partitionKey, seen);
        }
        return undefined;
      },
    });

    // Act
    await mapping.start();
    const counters = await mapping.drain();

    // Assess
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    for (const [key, indices] of firstDeliveries) {
      const expected = Array.from({ length: 10 }, (_, round) => round * 12 + keys.indexOf(key));
      expect(indices).toEqual(expected);
    }
    expect(counters.succeededRecords).toBe(120);
    expect(failedOnce.size).toBeGreaterThan(0);
  });

  it('cannot run one partition key concurrently', async () => {
    // Prepare
    const h = harness();
    h.fake.putMany(40, () => 'same-key');
    let inFlight = 0;
    let maxInFlight = 0;
    const mapping = h.mapping({
      parallelizationFactor: 10,
      handler: async () => {
        maxInFlight = Math.max(maxInFlight, (inFlight += 1));
        await h.clock.sleep(5);
        inFlight -= 1;
      },
    });

    // Act
    await mapping.start();
    await mapping.drain();

    // Assess
    expect(maxInFlight).toBe(1);
    expect(h.batches.flat()).toEqual(texts(0, 40));
  });
});

describe('Kinesis faults', () => {
  it('backs off on connection errors and expired iterators and loses or repeats nothing', async () => {
    // Prepare
    const h = harness();
    h.fake.putMany(10);
    const errors: number[] = [];
    const mapping = h.mapping({ pollIntervalMs: 50 });
    mapping.on('poll-error', (report) => errors.push(report.delayMs));
    await mapping.start();
    await mapping.drain();
    h.fake.failNext('GetRecords', 3);
    h.fake.failNext('GetShardIterator', 1);
    h.fake.putMany(10, () => 'pk', { from: 10 });

    // Act
    h.fake.failNext('GetRecords', 1, awsError('ExpiredIteratorException'));
    const counters = await mapping.drain();

    // Assess
    expect(h.batches.flat()).toEqual(texts(0, 20));
    expect(counters).toMatchObject({ pollErrors: 4, redeliveredRecords: 0, succeededRecords: 20 });
    expect(errors).toEqual([8, 15, 30, 60]);
    expect(
      h.fake.iteratorRequests.filter((request) => request.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER')
        .length,
    ).toBeGreaterThan(0);
  });

  it('keeps a LATEST start position through a fault before the first record', async () => {
    // Prepare
    const h = harness();
    h.fake.putMany(3, () => 'pk', { arrivalMs: START_MS - 1_000 });
    const mapping = h.mapping({ startingPosition: 'LATEST' });
    await mapping.start();
    h.fake.failNext('GetRecords', 1);
    h.fake.put('pk', 'after-start');

    // Act
    await mapping.drain();

    // Assess
    expect(h.batches).toEqual([['after-start']]);
    expect(h.fake.iteratorRequests.map((request) => request.ShardIteratorType)).toEqual([
      'LATEST',
      'AT_TIMESTAMP',
    ]);
  });
});

describe('starting position, batching window, payload limit, resharding, stop', () => {
  it('starts AT_TIMESTAMP', async () => {
    // Prepare
    const h = harness();
    h.fake.put('pk', 'early', { arrivalMs: START_MS - 10_000 });
    h.fake.put('pk', 'late', { arrivalMs: START_MS });
    const mapping = h.mapping({
      startingPosition: 'AT_TIMESTAMP',
      startingPositionTimestamp: (START_MS - 5_000) / 1000,
    });

    // Act
    await mapping.start();
    await mapping.drain();

    // Assess
    expect(h.batches).toEqual([['late']]);
  });

  it.each([
    [0, false],
    [5, true],
  ])('with batchWindowSeconds %i waits for more records: %s', async (batchWindowSeconds, waits) => {
    // Prepare
    const h = harness();
    h.fake.putMany(3);
    let invokedAt = 0;
    const mapping = h.mapping({
      batchWindowSeconds,
      handler: async () => {
        invokedAt = h.clock.now();
      },
    });

    // Act
    await mapping.start();
    await mapping.drain();

    // Assess
    expect(h.batches).toEqual([texts(0, 3)]);
    expect(invokedAt - START_MS >= 5_000).toBe(waits);
  });

  it('keeps every invocation payload under 6 MB', async () => {
    // Prepare
    const h = harness();
    for (let index = 0; index < 10; index += 1) h.fake.put('pk', Buffer.alloc(1024 * 1024, index));
    const sizes: number[] = [];
    const mapping = h.mapping({
      handler: async (event) => {
        sizes.push(Buffer.byteLength(JSON.stringify(event)));
      },
    });

    // Act
    await mapping.start();
    await mapping.drain();

    // Assess
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(6 * 1024 * 1024);
    expect(h.batches.flat()).toHaveLength(10);
  });

  it('finishes a closed parent shard before starting its child', async () => {
    // Prepare
    const h = harness(1);
    h.fake.putMany(3, () => 'pk', { shard: 0 });
    h.fake.close('shardId-000000000000');
    h.fake.addShard({ parent: 'shardId-000000000000' });
    h.fake.put('pk', 'child-0', { shard: 1 });
    const checkpointFile = join(directory, 'checkpoints.json');
    const mapping = h.mapping({ checkpointFile, batchSize: 2 });

    // Act
    await mapping.start();
    await mapping.drain();

    // Assess
    expect(h.batches).toEqual([texts(0, 2), ['r2'], ['child-0']]);
    const saved = JSON.parse(await readFile(checkpointFile, 'utf8'));
    expect(saved.shards['shardId-000000000000']).toMatchObject({ shardEnd: true });
  });

  it('lets the batch in flight settle and checkpoints it on stop', async () => {
    // Prepare
    const h = harness();
    const checkpointFile = join(directory, 'checkpoints.json');
    const sequences = h.fake.putMany(3);
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const mapping = h.mapping({
      checkpointFile,
      handler: () =>
        new Promise<void>((resolve) => {
          release = resolve;
          entered();
        }),
    });
    await mapping.start();
    await inHandler;

    // Act
    let stopped = false;
    const stopping = mapping.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    const stoppedBeforeRelease = stopped;
    release();
    await stopping;

    // Assess
    expect(stoppedBeforeRelease).toBe(false);
    const saved = JSON.parse(await readFile(checkpointFile, 'utf8'));
    expect(saved.shards['shardId-000000000000'].sequenceNumber).toBe(sequences[2]);
    await expect(mapping.drain()).rejects.toThrow(/drain\(\) called when stopped/);
  });
});
