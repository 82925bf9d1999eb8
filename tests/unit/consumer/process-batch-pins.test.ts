/**
 * processBatch against a scripted processor and recording sinks: what each part receives, and the summary,
 * field by field (the pipeline-level behaviour is in process-batch.test.ts).
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { processBatch, shardIdOf, type Sink } from '../../../lib/consumer';
import type { DeliveryItem, SinkResult } from '../../../lib/consumer/delivery';
import { kinesisStreamEvent, sequenceNumber } from '../../../lib/events/factories';
import type { RecordProcessor } from '../../../lib/processing/record-processor';
import { aggregate, fail, ok, type JsonObject } from '../../../lib/records';
import type { ErrorRecord, ErrorSink } from '../../../lib/sinks/error-sink';
import type { RecordContext } from '../../../lib/transform';

const INGESTION = new Date('2026-12-05T07:00:00.000Z');
const SHARD = 'shardId-000000000000';

/**
 * Records are JSON lines. A record starting with `!` does not decode; an object with `drop` is dropped by
 * rule `drop-rule`, one with `bad` fails the schema; `same` keeps the record's own text (verbatim).
 */
function scriptedProcessor(contexts: RecordContext[] = []): RecordProcessor {
  return {
    partitioned: true,
    decode(data) {
      const text = data.toString('utf8');
      if (text.startsWith('!')) return fail('invalid-json', 'starts with !');
      const objects = text.split('\n').map((line) => JSON.parse(line) as JsonObject);
      return ok({ objects, text, line: objects.length === 1 ? text : undefined });
    },
    objects: () => {
      throw new Error('not used by processBatch');
    },
    process(object, context, line) {
      contexts.push(context);
      if (object.drop !== undefined) return { kind: 'dropped', rule: 'drop-rule' };
      if (object.bad !== undefined)
        return { kind: 'failed', reason: 'schema-violation', message: 'bad is set' };
      const verbatim = object.same === true && line !== undefined;
      return {
        kind: 'ok',
        record: object,
        line: verbatim ? line : JSON.stringify({ ...object, seen: true }),
        keys: { k: String(object.k) },
        verbatim,
      };
    },
  };
}

interface Recorder {
  sink: Sink;
  items: DeliveryItem[];
}

function recordingSink(
  name: string,
  answer: (items: DeliveryItem[]) => Partial<SinkResult> = () => ({}),
  readsRecords?: boolean,
): Recorder {
  const items: DeliveryItem[] = [];
  return {
    items,
    sink: {
      name,
      readsRecords,
      open: () => ({
        add: (item) => void items.push(item),
        deliver: async () => ({
          firstUndelivered: undefined,
          refused: [],
          written: items.length,
          ...answer(items),
        }),
      }),
    },
  };
}

function recordingErrorSink(failure?: Error): { errorSink: ErrorSink; written: ErrorRecord[][] } {
  const written: ErrorRecord[][] = [];
  return {
    written,
    errorSink: {
      keyFor: () => 'errors/key',
      write: async (records) => {
        written.push([...records]);
        if (failure) throw failure;
        return undefined;
      },
    },
  };
}

function records(payloads: (string | Buffer)[]): KinesisStreamRecord[] {
  return kinesisStreamEvent(payloads.map((data, index) => ({ data, partitionKey: `pk-${index}` }))).Records;
}

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

describe('processBatch: what the parts receive', () => {
  it('gives each user record its own context: shard, sequence, sub-sequence, key, arrival and ingestion time', async () => {
    // Prepare: a plain record, then a KPL aggregate of two user records.
    const [packed] = aggregate([
      { partitionKey: 'inner-a', data: '{"k":2}' },
      { partitionKey: 'inner-a', data: '{"k":3}\n{"k":4}' },
    ]);
    const batch = records(['{"k":1}', packed!.data]);
    const contexts: RecordContext[] = [];
    const { sink } = recordingSink('s');

    // Act
    await processBatch(batch, {
      processor: scriptedProcessor(contexts),
      sinks: [sink],
      errorSink: recordingErrorSink().errorSink,
      now: () => INGESTION,
    });

    // Assess
    const arrival = (position: number) =>
      new Date(batch[position]!.kinesis.approximateArrivalTimestamp * 1000);
    const common = { ingestionTime: INGESTION, shardId: SHARD };
    expect(contexts).toEqual([
      {
        ...common,
        arrivalTime: arrival(0),
        sequenceNumber: sequenceNumber(0),
        subSequenceNumber: undefined,
        partitionKey: 'pk-0',
      },
      {
        ...common,
        arrivalTime: arrival(1),
        sequenceNumber: sequenceNumber(1),
        subSequenceNumber: 0,
        partitionKey: 'inner-a',
      },
      {
        ...common,
        arrivalTime: arrival(1),
        sequenceNumber: sequenceNumber(1),
        subSequenceNumber: 1,
        partitionKey: 'inner-a',
      },
      {
        ...common,
        arrivalTime: arrival(1),
        sequenceNumber: sequenceNumber(1),
        subSequenceNumber: 1,
        partitionKey: 'inner-a',
      },
    ]);
    expect(contexts[2]).toBe(contexts[3]);
    expect(arrival(1).getTime()).not.toBe(arrival(0).getTime());
  });

  it('hands every sink the same items, with the record only when a sink reads it and own bytes only when verbatim', async () => {
    // Prepare
    const batch = records(['{"k":1,"same":true}', '{"k":2}']);
    const plain = recordingSink('plain');
    const reader = recordingSink('reader', () => ({}), true);

    // Act
    await processBatch(batch, {
      processor: scriptedProcessor(),
      sinks: [plain.sink],
      errorSink: recordingErrorSink().errorSink,
    });
    await processBatch(batch, {
      processor: scriptedProcessor(),
      sinks: [plain.sink, reader.sink],
      errorSink: recordingErrorSink().errorSink,
    });

    // Assess
    const item = (
      position: number,
      line: string,
      record: JsonObject | undefined,
      bytes: Buffer | undefined,
    ) => ({
      position,
      line,
      bytes,
      record,
      keys: { k: String(position + 1) },
      partitionKey: `pk-${position}`,
      sequenceNumber: sequenceNumber(position),
      subSequenceNumber: undefined,
    });
    expect(plain.items.slice(0, 2)).toEqual([
      item(0, '{"k":1,"same":true}', undefined, Buffer.from('{"k":1,"same":true}')),
      item(1, '{"k":2,"seen":true}', undefined, undefined),
    ]);
    expect(reader.items).toEqual([
      item(0, '{"k":1,"same":true}', { k: 1, same: true }, Buffer.from('{"k":1,"same":true}')),
      item(1, '{"k":2,"seen":true}', { k: 2 }, undefined),
    ]);
    expect(plain.items[2]).toBe(reader.items[0]);
  });

  it('sends each bad record to the error output with its reason, place and raw data, and counts everything', async () => {
    // Prepare: not base64, does not decode, dropped, fails in the second of three objects, good.
    const [packed] = aggregate([{ partitionKey: 'inner', data: '!nope' }]);
    const batch = records(['', '', '{"k":1,"drop":1}', '{"k":2}\n{"k":3,"bad":1}\n{"k":4}', packed!.data]);
    batch[0]!.kinesis.data = 'not base64!';
    batch[1]!.kinesis.data = b64('!garbage');
    const errors = recordingErrorSink();

    // Act
    const result = await processBatch(batch, {
      processor: scriptedProcessor(),
      sinks: [
        recordingSink('a', () => ({ written: 2, retries: 1 })).sink,
        recordingSink('b', () => ({ written: 3, retries: 2 })).sink,
      ],
      errorSink: errors.errorSink,
      now: () => INGESTION,
    });

    // Assess
    const place = (position: number) => ({
      shardId: SHARD,
      sequenceNumber: sequenceNumber(position),
      approximateArrivalTimestamp: batch[position]!.kinesis.approximateArrivalTimestamp,
      failedAt: INGESTION.toISOString(),
    });
    expect(errors.written).toEqual([
      [
        {
          reason: 'invalid-base64',
          message: expect.any(String) as string,
          ...place(0),
          partitionKey: 'pk-0',
          rawData: 'not base64!',
        },
        {
          reason: 'invalid-json',
          message: 'starts with !',
          ...place(1),
          partitionKey: 'pk-1',
          rawData: b64('!garbage'),
        },
        {
          reason: 'schema-violation',
          message: 'object 2 of 3: bad is set',
          ...place(3),
          partitionKey: 'pk-3',
          rawData: b64('{"k":2}\n{"k":3,"bad":1}\n{"k":4}'),
        },
        {
          reason: 'invalid-json',
          message: 'starts with !',
          ...place(4),
          subSequenceNumber: 0,
          partitionKey: 'inner',
          rawData: b64('!nope'),
        },
      ],
    ]);
    expect(result).toEqual({
      batchItemFailures: [],
      summary: {
        shardId: SHARD,
        firstSequenceNumber: sequenceNumber(0),
        lastSequenceNumber: sequenceNumber(4),
        records: 5,
        userRecords: 4,
        objects: 4,
        delivered: 2,
        dropped: { 'drop-rule': 1 },
        failed: { 'invalid-base64': 1, 'invalid-json': 2, 'schema-violation': 1 },
        written: 5,
        sinkRetries: 3,
        firstUndelivered: undefined,
        sinkErrors: [],
        durationMs: expect.any(Number) as number,
      },
    });
  });

  it('names no object number when a record holds one object', async () => {
    // Prepare
    const errors = recordingErrorSink();

    // Act
    await processBatch(records(['{"bad":1}']), {
      processor: scriptedProcessor(),
      sinks: [],
      errorSink: errors.errorSink,
    });

    // Assess
    expect(errors.written[0]?.map((record) => record.message)).toEqual(['bad is set']);
  });
});

describe('processBatch: refusals and a failing error output', () => {
  it('writes one error record for an item several sinks refused, and does not count it as delivered', async () => {
    // Prepare: both sinks refuse the second item (a user record of an aggregate).
    const [packed] = aggregate([
      { partitionKey: 'inner', data: '{"k":1}' },
      { partitionKey: 'inner', data: '{"k":2}' },
    ]);
    const refuseSecond = (items: DeliveryItem[]) => ({
      refused: [{ item: items[1]!, reason: 'too-large', message: 'over the limit' }],
    });
    const errors = recordingErrorSink();

    // Act
    const result = await processBatch(records([packed!.data]), {
      processor: scriptedProcessor(),
      sinks: [recordingSink('a', refuseSecond).sink, recordingSink('b', refuseSecond).sink],
      errorSink: errors.errorSink,
      now: () => INGESTION,
    });

    // Assess
    expect(errors.written).toEqual([
      [
        expect.objectContaining({
          reason: 'refused-by-sink',
          message: 'over the limit',
          subSequenceNumber: 1,
          partitionKey: 'inner',
          rawData: b64('{"k":2,"seen":true}'),
        }),
      ],
    ]);
    expect(result.summary.failed).toEqual({ 'refused-by-sink': 1 });
    expect(result.summary.sinkRetries).toBe(0);
    expect(result.summary.sinkErrors).toEqual([]);
    expect(result.summary.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.summary.durationMs).toBeLessThan(60_000);
    expect(result.summary.delivered).toBe(1);
    expect(result.batchItemFailures).toEqual([]);
  });

  it('reports the first bad record when the error output fails, however many there are', async () => {
    // Prepare
    const errors = recordingErrorSink(new Error('S3 is down'));
    const batch = records(['{"k":0}', '!a', '{"k":2}', '!b', '{"k":4}']);

    // Act
    const result = await processBatch(batch, {
      processor: scriptedProcessor(),
      sinks: [recordingSink('s').sink],
      errorSink: errors.errorSink,
    });

    // Assess
    expect(errors.written.map((written) => written.length)).toEqual([2]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(1) }]);
    expect(result.summary.firstUndelivered).toBe(1);
    expect(result.summary.delivered).toBe(1);
    expect(result.summary.sinkErrors).toEqual(['error output: S3 is down']);
  });

  it('keeps a sink failure that comes before the first bad record when the error output fails too', async () => {
    // Prepare
    const errors = recordingErrorSink(new Error('S3 is down'));

    // Act
    const result = await processBatch(records(['{"k":0}', '{"k":1}', '!a']), {
      processor: scriptedProcessor(),
      sinks: [recordingSink('s', () => ({ firstUndelivered: 1, errors: ['s: throttled'] })).sink],
      errorSink: errors.errorSink,
    });

    // Assess: the bad record comes back with the retry, so nothing was settled and nothing written.
    expect(errors.written).toEqual([[]]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(1) }]);
    expect(result.summary.sinkErrors).toEqual(['s: throttled', 'error output: S3 is down']);
  });

  it('does not write the error of a user record at the first undelivered position: the retry judges it again', async () => {
    // Prepare: record 1 is an aggregate whose second user record is bad; the sink failed at record 1.
    const [packed] = aggregate([
      { partitionKey: 'inner', data: '{"k":1}' },
      { partitionKey: 'inner', data: '!bad' },
    ]);
    const errors = recordingErrorSink();

    // Act
    const result = await processBatch(records(['!early', packed!.data]), {
      processor: scriptedProcessor(),
      sinks: [recordingSink('s', () => ({ firstUndelivered: 1 })).sink],
      errorSink: errors.errorSink,
    });

    // Assess
    expect(errors.written.map((written) => written.map((record) => record.sequenceNumber))).toEqual([
      [sequenceNumber(0)],
    ]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(1) }]);
    expect(result.summary.delivered).toBe(0);
  });

  it('reports a sink that throws when opened or delivering from the first record it was to deliver', async () => {
    // Prepare
    const throwsOnOpen: Sink = {
      name: 'opener',
      open: () => {
        throw new Error('no connection');
      },
    };
    const throwsOnDeliver: Sink = {
      name: 'deliverer',
      open: () => ({
        add: () => undefined,
        deliver: () => Promise.reject(new Error('socket hang up')),
      }),
    };

    // Act
    const result = await processBatch(records(['!a', '{"k":1}', '{"k":2}']), {
      processor: scriptedProcessor(),
      sinks: [throwsOnOpen, throwsOnDeliver],
      errorSink: recordingErrorSink().errorSink,
    });

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(1) }]);
    expect(result.summary.sinkErrors).toEqual(['opener: no connection', 'deliverer: socket hang up']);
    expect(result.summary.written).toBe(0);
  });
});

describe('processBatch: an empty batch', () => {
  it('reports nothing, opens no sink and writes no error output', async () => {
    // Prepare
    const opened: string[] = [];
    const sink: Sink = {
      name: 'never',
      open: () => {
        opened.push('never');
        throw new Error('opened for an empty batch');
      },
    };
    const errors = recordingErrorSink();

    // Act
    const result = await processBatch([], {
      processor: scriptedProcessor(),
      sinks: [sink],
      errorSink: errors.errorSink,
    });

    // Assess
    expect(result).toEqual({
      batchItemFailures: [],
      summary: {
        shardId: 'shardId-unknown',
        firstSequenceNumber: undefined,
        lastSequenceNumber: undefined,
        records: 0,
        userRecords: 0,
        objects: 0,
        delivered: 0,
        dropped: {},
        failed: {},
        written: 0,
        sinkRetries: 0,
        firstUndelivered: undefined,
        sinkErrors: [],
        durationMs: 0,
      },
    });
    expect(opened).toEqual([]);
    expect(errors.written).toEqual([]);
  });
});

describe('shardIdOf', () => {
  it.each([
    ['shardId-000000000003:4959', 'shardId-000000000003'],
    ['shardId-000000000003:4959:extra', 'shardId-000000000003'],
    ['no-colon', 'shardId-unknown'],
    [':4959', 'shardId-unknown'],
  ])('reads %s as %s', (eventID, expected) => {
    expect(shardIdOf({ eventID } as KinesisStreamRecord)).toBe(expected);
  });
});
