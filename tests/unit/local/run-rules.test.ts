/**
 * The rules a local run decides by (lib/local/run-rules.ts): how its totals add up, which streams and start
 * positions it uses, when it restarts an emulator, what counts as drained and the parts of its verdict.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import type { PipelineConfig } from '../../../lib/pipeline/types';
import type { FirehoseCounters } from '../../../lib/local/firehose';
import {
  addBatch,
  addConversion,
  addCounts,
  addWindowInvoke,
  drainSteps,
  emptyConsumerTotals,
  emptyConversionTotals,
  emptyWindowTotals,
  firehoseStageCounts,
  followReconciliation,
  isInterrupted,
  MAX_RESTARTS,
  mayRestart,
  oneLine,
  runStartPosition,
  sharesEmulators,
  streamsToCreate,
  sumCounts,
  toSourceRecords,
  windowEnd,
} from '../../../lib/local/run-rules';

describe('totals', () => {
  it('adds counts key by key, an undefined count adding nothing', () => {
    const target: Record<string, number> = { a: 1 };
    addCounts(target, { a: 2, b: 3, c: undefined });
    expect(target).toEqual({ a: 3, b: 3, c: 0 });
    expect(sumCounts({ a: 3, b: 4 })).toBe(7);
    expect(sumCounts({})).toBe(0);
  });

  it('adds every consumer batch: delivered, sink errors by count, dropped and failed by reason', () => {
    const totals = emptyConsumerTotals();
    addBatch(totals, {
      delivered: 5,
      sinkErrors: ['x', 'y'],
      dropped: { filter: 1 },
      failed: { 'not-json': 2 },
    });
    addBatch(totals, {
      delivered: 3,
      sinkErrors: [],
      dropped: { filter: 4 },
      failed: { 'not-json': 1, big: 1 },
    });
    expect(totals).toEqual({
      batches: 2,
      delivered: 8,
      sinkErrors: 2,
      dropped: { filter: 5 },
      failed: { 'not-json': 3, big: 1 },
    });
  });

  it('adds every converted object and its error records by code; a failure is not a converted object', () => {
    const converted = emptyConversionTotals();
    const byCode: Record<string, number> = {};
    addConversion(converted, byCode, { rows: 10, errors: 2, objects: [{ errorsByCode: { schema: 2 } }] });
    addConversion(converted, byCode, {
      rows: 5,
      errors: 1,
      objects: [{ errorsByCode: { schema: 1, type: 3 } }],
    });
    addConversion(converted, byCode, { rows: 0, errors: 0 });
    expect(converted).toEqual({ objects: 3, rows: 15, errors: 3, failedObjects: 0 });
    expect(byCode).toEqual({ schema: 3, type: 3 });
  });

  it('counts a window once, on its final invoke, with the stats of the whole window', () => {
    const totals = emptyWindowTotals();
    addWindowInvoke(totals, { final: false, stats: { dropped: { rule: 9 }, failed: {} } });
    expect(totals).toEqual(emptyWindowTotals());
    addWindowInvoke(totals, { final: true, stats: { dropped: { rule: 2 }, failed: { bad: 1 } } });
    addWindowInvoke(totals, { final: true, stats: { dropped: {}, failed: { bad: 2 } } });
    expect(totals).toEqual({
      closed: 2,
      rowsWritten: 0,
      rowsFailed: 0,
      dropped: { rule: 2 },
      failed: { bad: 3 },
    });
  });
});

describe('streams and start positions', () => {
  const config = (sinks: unknown[], analyticsSink?: unknown) =>
    ({
      stream: { name: 'main', shards: 4 },
      consumer: { sinks },
      ...(analyticsSink !== undefined && { analytics: { sink: analyticsSink } }),
    }) as unknown as PipelineConfig;

  it('creates the stream with its shards and one shard for each stream a sink routes to, once', () => {
    const streams = streamsToCreate(
      config(
        [
          { type: 'kinesis', stream: 'routed' },
          { type: 's3' },
          { type: 'kinesis', stream: 'routed' },
          { type: 'kinesis', stream: 'main' },
        ],
        { type: 'kinesis', stream: 'results' },
      ),
    );
    expect([...streams]).toEqual([
      ['main', 4],
      ['routed', 1],
      ['results', 1],
    ]);
    expect([...streamsToCreate(config([]))]).toEqual([['main', 4]]);
    const analyticsOnly = {
      stream: { name: 'main', shards: 2 },
      analytics: { sink: { type: 'kinesis', stream: 'out' } },
    };
    expect([...streamsToCreate(analyticsOnly as unknown as PipelineConfig)]).toEqual([
      ['main', 2],
      ['out', 1],
    ]);
  });

  it('reads from LATEST and leaves earlier objects out only for a bounded run on shared emulators', () => {
    const kinesis = { kinesis: 'http://localhost:4567' };
    expect(runStartPosition({ follow: false, endpoints: kinesis })).toEqual({ startingPosition: 'LATEST' });
    expect(runStartPosition({ follow: true, endpoints: kinesis })).toEqual({});
    expect(runStartPosition({ follow: false, endpoints: { s3: 'http://localhost:5000' } })).toEqual({});
    expect(runStartPosition({ follow: false })).toEqual({});
    expect(sharesEmulators({ follow: false, endpoints: kinesis })).toBe(true);
    expect(sharesEmulators({ follow: false, endpoints: { s3: 'http://localhost:5000' } })).toBe(true);
    expect(sharesEmulators({ follow: true, endpoints: kinesis })).toBe(false);
    expect(sharesEmulators({ follow: false, endpoints: {} })).toBe(false);
    expect(sharesEmulators({ follow: false })).toBe(false);
  });
});

describe('mayRestart', () => {
  const ok = { follow: true, own: true, restarts: 0, stopping: false };

  it('restarts an own emulator of a --follow run up to MAX_RESTARTS times', () => {
    expect(mayRestart(ok)).toBe(true);
    expect(mayRestart({ ...ok, restarts: MAX_RESTARTS - 1 })).toBe(true);
    expect(mayRestart({ ...ok, restarts: MAX_RESTARTS })).toBe(false);
    expect(MAX_RESTARTS).toBe(3);
  });

  it('never restarts in a bounded run, an external emulator, or once generation stopped', () => {
    expect(mayRestart({ ...ok, follow: false })).toBe(false);
    expect(mayRestart({ ...ok, own: false })).toBe(false);
    expect(mayRestart({ ...ok, stopping: true })).toBe(false);
  });
});

describe('drainSteps', () => {
  it('drains the mappings, then flushes Firehose, then waits for the conversions, naming each phase', async () => {
    const calls: string[] = [];
    const step = (name: string) => () => {
      calls.push(name);
      return Promise.resolve();
    };
    const steps = drainSteps({
      mappings: [{ drain: step('consumer') }, { drain: step('windows') }],
      firehose: { flush: step('flush') },
      conversions: { idle: step('convert') },
    });
    expect(steps.map((s) => s.phase)).toEqual([
      'draining the event source mappings (every record read and processed)',
      'flushing the Firehose buffers',
      'converting the delivered objects to Parquet',
    ]);
    expect(calls).toEqual([]);
    for (const s of steps) await s.run();
    expect(calls).toEqual(['consumer', 'windows', 'flush', 'convert']);
  });

  it('waits for every mapping before the next step, and skips the flush without a delivery stream', async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    let done = false;
    const [mappings, flush, convert] = drainSteps({
      mappings: [{ drain: () => Promise.resolve() }, { drain: () => slow }],
      conversions: { idle: () => Promise.resolve('idle') },
    });
    const draining = mappings!.run().then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    release();
    await draining;
    expect(done).toBe(true);
    await expect(flush!.run()).resolves.toBeUndefined();
    await expect(convert!.run()).resolves.toBe('idle');
  });
});

describe('the verdict', () => {
  const bounded = { follow: false, aborted: true, attempted: 50, count: 100 };

  it('is interrupted only when the signal stopped a bounded run short of its count', () => {
    expect(isInterrupted(bounded)).toBe(true);
    expect(isInterrupted({ ...bounded, attempted: 100 })).toBe(false);
    expect(isInterrupted({ ...bounded, attempted: 99 })).toBe(true);
    expect(isInterrupted({ ...bounded, aborted: false })).toBe(false);
    expect(isInterrupted({ ...bounded, aborted: undefined })).toBe(false);
    expect(isInterrupted({ ...bounded, follow: true })).toBe(false);
  });

  it('does not reconcile a --follow run, and says so', () => {
    const skipped = followReconciliation();
    expect(skipped).toMatchObject({ ok: true, checks: [], errors: {} });
    expect(skipped.skipped).toMatch(/--follow/);
    expect(followReconciliation()).not.toBe(skipped);
  });

  it("checks Firehose's counts only for a delivery stream that reads the stream", () => {
    const stats = { recordsIn: 10, delivered: 7, errorOutput: 2 } as FirehoseCounters;
    expect(firehoseStageCounts(stats, 'kinesis')).toEqual({ received: 10, delivered: 7, errors: 2 });
    expect(firehoseStageCounts(stats, 'direct-put')).toBeUndefined();
    expect(firehoseStageCounts(undefined, 'kinesis')).toBeUndefined();
  });
});

describe('shapes', () => {
  it('turns Lambda event records back into source records: data, shard, arrival in milliseconds', () => {
    const event = {
      Records: [
        {
          eventID: 'shardId-000000000001:4960',
          kinesis: {
            data: Buffer.from('hello').toString('base64'),
            partitionKey: 'pk',
            sequenceNumber: '4960',
            approximateArrivalTimestamp: 1700000000.1234,
          },
        },
      ],
    } as unknown as KinesisStreamEvent;
    expect(toSourceRecords(event)).toEqual([
      {
        data: Buffer.from('hello'),
        partitionKey: 'pk',
        sequenceNumber: '4960',
        shardId: 'shardId-000000000001',
        approximateArrivalTimestamp: 1700000000123,
      },
    ]);
  });

  it("takes a window's end from its rows, else its start plus the window", () => {
    expect(windowEnd([{ window_end: '2026-01-01T00:05:00.000Z' }], '2026-01-01T00:00:00.000Z', 60)).toBe(
      '2026-01-01T00:05:00.000Z',
    );
    expect(windowEnd([], '2026-01-01T00:00:00.000Z', 60)).toBe('2026-01-01T00:01:00.000Z');
    expect(windowEnd([{ window_end: 5 }], '2026-01-01T00:00:00.000Z', 30)).toBe('2026-01-01T00:00:30.000Z');
  });

  it("writes a log record's details on one line", () => {
    expect(oneLine(undefined)).toBe('');
    expect(oneLine({})).toBe('');
    expect(oneLine({ error: 'boom', shard: { id: 1 }, n: 2 })).toBe(' (error=boom, shard={"id":1}, n=2)');
  });
});
