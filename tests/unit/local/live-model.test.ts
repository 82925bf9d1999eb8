/** The live feed: counts and rates from the run's counters, the error ring, window results, no work unwatched. */
import { emptyCounters } from '../../../lib/local/esm-runtime';
import type { FirehoseCounters } from '../../../lib/local/firehose';
import { newCounters } from '../../../lib/local/firehose-context';
import { createLiveChannel } from '../../../lib/local/live';
import { createLivePublisher, rawSample, Ring, type LiveReading } from '../../../lib/local/live-model';
import { errorsByReason, stageCounts, type RunCounters } from '../../../lib/local/live-stages';
import type { LiveMessage, StageStatus } from '../../../lib/local/live-types';

function firehoseCounters(overrides: Partial<FirehoseCounters> = {}): FirehoseCounters {
  return { ...newCounters(), ...overrides };
}

function run(scale: number): RunCounters {
  return {
    generated: { attempted: 100 * scale, acknowledged: 90 * scale, failed: 10 * scale },
    consumer: {
      mapping: { ...emptyCounters(), recordsRead: 80 * scale },
      delivered: 60 * scale,
      dropped: { 'no-heartbeats': 5 * scale },
      failed: { 'schema-invalid': 10 * scale, 'invalid-json': 5 * scale },
      sinkErrors: 0,
      sinks: 2,
    },
    firehose: firehoseCounters({
      recordsIn: 70 * scale,
      ok: 50 * scale,
      dropped: 4 * scale,
      processingFailed: 6 * scale,
      delivered: 50 * scale,
      errorOutput: 6 * scale,
      errorsByCode: { 'Lambda.ProcessingFailed': 6 * scale },
    }),
  };
}

const byId = (message: LiveMessage | undefined) =>
  Object.fromEntries((message!.stages as StageStatus[]).map((stage) => [stage.id, stage]));

describe('stageCounts', () => {
  it('says what each stage took in, passed on, dropped and failed', () => {
    const stages = stageCounts(run(1));

    expect(stages.generator).toMatchObject({ unit: 'records', in: 100, out: 90, failed: 10, dropped: null });
    expect(stages.stream).toMatchObject({ in: 90, out: null });
    expect(stages.consumer).toMatchObject({ in: 80, out: 60, dropped: 5, failed: 15 });
    expect(stages['sink-0']).toMatchObject({ in: 60 });
    expect(stages['sink-1']).toMatchObject({ in: 60 });
    expect(stages['sink-2']).toBeUndefined();
    expect(stages['consumer-errors']).toMatchObject({ in: 15 });
    expect(stages.transformer).toMatchObject({ in: 60, out: 50, dropped: 4, failed: 6 });
    expect(stages.firehose).toMatchObject({ in: 70, out: 50, dropped: 4, failed: 6 });
    expect(stages.converter).toBeUndefined();
  });

  it('has no stream count when the generator writes to the delivery stream', () => {
    expect(stageCounts({ ...run(1), directPut: true }).stream).toBeUndefined();
  });

  it('lists errors by reason with their stage, most frequent first, zero counts left out', () => {
    const counters = run(1);
    counters.consumer!.mapping.failureReasons.functionError = 2;
    const errors = errorsByReason(counters);

    expect(errors).toEqual([
      { stage: 'consumer', reason: 'schema-invalid', count: 10 },
      { stage: 'firehose', reason: 'Lambda.ProcessingFailed', count: 6 },
      { stage: 'consumer', reason: 'invalid-json', count: 5 },
      { stage: 'consumer', reason: 'invocation: functionError', count: 2 },
    ]);
  });
});

describe('createLivePublisher', () => {
  function setUp(reading: () => LiveReading) {
    let clock = 1_000_000;
    const channel = createLiveChannel();
    const read = jest.fn(reading);
    const publisher = createLivePublisher({ channel, read, now: () => clock, errorLimit: 3, rawLimit: 8 });
    const seen: LiveMessage[] = [];
    return {
      channel,
      read,
      publisher,
      seen,
      advance: (ms: number) => (clock += ms),
      watch: () => channel.subscribe((message) => seen.push(message)),
    };
  }
  const readingOf = (counters: RunCounters): LiveReading => ({
    run: counters,
    shards: [],
    buffers: undefined,
  });

  it('rates each count over the time since the last publication', () => {
    let scale = 1;
    const { publisher, seen, advance, watch } = setUp(() => readingOf(run(scale)));
    watch();

    advance(2000);
    publisher.tick();
    scale = 3;
    advance(500);
    publisher.tick();

    const stages = seen.filter((message) => message.type === 'stages');
    expect(stages).toHaveLength(2);
    expect(byId(stages[0]).generator).toMatchObject({ in: 100, inPerSecond: 50, outPerSecond: 45 });
    // 100 → 300 attempted in half a second.
    expect(byId(stages[1]).generator).toMatchObject({ in: 300, inPerSecond: 400, failedPerSecond: 40 });
    expect(byId(stages[1]).consumer).toMatchObject({ droppedPerSecond: 20, failedPerSecond: 60 });
    expect(byId(stages[1]).stream).toMatchObject({ outPerSecond: null, out: null });
    expect(stages[1]!.intervalMs).toBe(500);
  });

  it('does no work while nobody watches, and a snapshot brings the state of now', () => {
    const { channel, publisher, read, seen, watch } = setUp(() => readingOf(run(2)));

    publisher.tick();
    publisher.tick();
    expect(read).not.toHaveBeenCalled();

    const snapshot = channel.snapshot();
    expect(read).toHaveBeenCalledTimes(1);
    expect(snapshot.map((message) => message.type).sort()).toEqual([
      'buffers',
      'errors',
      'shards',
      'stages',
      'windows',
    ]);
    expect(byId(snapshot.find((message) => message.type === 'stages')).consumer!.in).toBe(160);

    const stop = watch();
    publisher.tick();
    expect(read).toHaveBeenCalledTimes(2);
    stop();
    publisher.tick();
    expect(read).toHaveBeenCalledTimes(2);
    expect(seen.filter((message) => message.type === 'stages')).toHaveLength(1);
  });

  it('answers a snapshot without sending anything to the current listeners or moving their rates', () => {
    let scale = 1;
    const { channel, publisher, seen, advance, watch } = setUp(() => readingOf(run(scale)));
    watch();
    advance(1000);
    publisher.tick();
    scale = 2;
    advance(500);

    const snapshot = channel.snapshot();
    advance(500);
    publisher.tick();

    expect(byId(snapshot.find((message) => message.type === 'stages')).generator!.in).toBe(200);
    const stages = seen.filter((message) => message.type === 'stages');
    expect(stages).toHaveLength(2);
    // 100 → 200 over the second since the last tick, not the half second since the snapshot.
    expect(stages[1]!.intervalMs).toBe(1000);
    expect(byId(stages[1]).generator!.inPerSecond).toBe(100);
  });

  it('publishes the end of the run even while nobody watches, marked final from then on', () => {
    const { channel, publisher, read } = setUp(() => readingOf(run(1)));
    const published = jest.spyOn(channel, 'publish');

    publisher.publish();
    publisher.publish(true);
    publisher.publish();

    expect(read).toHaveBeenCalledTimes(3);
    const stages = published.mock.calls
      .map(([message]) => message)
      .filter((message) => message.type === 'stages');
    expect(stages.map((message) => message.final)).toEqual([false, true, true]);
  });

  it('keeps only the last error records, raw data cut and marked so', () => {
    const { channel, publisher } = setUp(() => readingOf({}));
    for (let i = 1; i <= 5; i += 1) {
      publisher.error({
        stage: 'consumer',
        reason: `r${i}`,
        rawData: Buffer.from(`record-${i}-with-a-long-body`),
      });
    }
    publisher.error({
      stage: 'consumer',
      reason: 'short',
      message: 'bad',
      rawData: Buffer.from('{}').toString('base64'),
    });

    const errors = channel.snapshot().find((message) => message.type === 'errors')!;
    expect(errors.limit).toBe(3);
    expect(errors.sampled).toBe(6);
    const last = errors.last as { reason: string; rawData: string; truncated: boolean; rawBytes: number }[];
    expect(last.map((error) => error.reason)).toEqual(['r4', 'r5', 'short']);
    expect(last[0]).toMatchObject({
      rawData: 'record-4',
      truncated: true,
      rawBytes: 'record-4-with-a-long-body'.length,
    });
    expect(last[2]).toMatchObject({ rawData: '{}', truncated: false, rawBytes: 2, message: 'bad' });
  });

  it("keeps the last records of each stage: a flood in one stage does not hide another's", () => {
    const { channel, publisher } = setUp(() => readingOf({}));
    publisher.error({
      stage: 'firehose',
      reason: 'Lambda.ProcessingFailedStatus',
      rawData: Buffer.from('f'),
    });
    for (let i = 1; i <= 10; i += 1) {
      publisher.error({ stage: 'consumer', reason: 'invalid-json', rawData: Buffer.from(`c${i}`) });
    }
    publisher.error({ stage: 'objects', reason: 'S3.PutObjectFailed', rawData: Buffer.from('o') });

    const errors = channel.snapshot().find((message) => message.type === 'errors')!;
    const last = errors.last as { stage: string; rawData: string }[];
    expect(last.map((error) => `${error.stage}:${error.rawData}`)).toEqual([
      'firehose:f',
      'consumer:c8',
      'consumer:c9',
      'consumer:c10',
      'objects:o',
    ]);
    expect(errors.sampled).toBe(12);
  });

  it('publishes each closed window with its rows, and keeps them for a late watcher', () => {
    const { channel, publisher, seen, watch } = setUp(() => readingOf({}));
    const rows = [{ window_start: 'a', event_type: 'click', events: 3 }];
    publisher.windowClosed({ shardId: 'shardId-0', windowStart: 'a', windowEnd: 'b', part: 0, rows });
    watch();
    publisher.windowClosed({ shardId: 'shardId-1', windowStart: 'a', windowEnd: 'b', part: 0, rows: [] });

    expect(seen).toEqual([
      expect.objectContaining({ type: 'window', stage: 'windows', shardId: 'shardId-1', rows: [] }),
    ]);
    const history = channel.snapshot().find((message) => message.type === 'windows')!;
    expect((history.windows as LiveMessage[]).map((window) => [window.shardId, window.rows])).toEqual([
      ['shardId-0', rows],
      ['shardId-1', []],
    ]);
  });

  it('republishes the window history on the next tick after a window closed, and only then', () => {
    const { publisher, seen, watch } = setUp(() => readingOf({}));
    watch();
    publisher.tick();
    publisher.windowClosed({ shardId: 'shardId-0', windowStart: 'a', windowEnd: 'b', part: 0, rows: [] });
    publisher.tick();
    publisher.tick();

    const histories = seen.filter((message) => message.type === 'windows');
    expect(histories.map((message) => (message.windows as unknown[]).length)).toEqual([0, 1]);
  });

  it('sends the error records again only after another error, but in every snapshot and at the end', () => {
    const { channel, publisher, seen, watch } = setUp(() => readingOf({}));
    watch();
    publisher.tick();
    publisher.tick();
    publisher.error({ stage: 'consumer', reason: 'invalid-json', rawData: Buffer.from('x') });
    publisher.tick();
    publisher.tick();
    const snapshot = channel.snapshot().filter((message) => message.type === 'errors');
    publisher.publish(true);

    const sent = seen.filter((message) => message.type === 'errors');
    expect(sent.map((message) => message.sampled)).toEqual([0, 1, 1]);
    expect(snapshot).toHaveLength(1);
  });

  it('drops a listener that throws and goes on publishing to the others', () => {
    const { channel, publisher, seen, watch } = setUp(() => readingOf(run(1)));
    const broken = jest.fn(() => {
      throw new Error('page gone');
    });
    channel.subscribe(broken);
    watch();

    publisher.tick();
    publisher.tick();

    // First tick: 4 messages, the broken listener removed at the first of them.
    expect(broken).toHaveBeenCalledTimes(1);
    expect(seen.filter((message) => message.type === 'stages')).toHaveLength(2);
    expect(channel.watching()).toBe(true);
  });
});

describe('Ring and rawSample', () => {
  it('keeps at most its limit, oldest first, and refuses a limit below one', () => {
    const ring = new Ring<number>(2);
    expect(ring.toArray()).toEqual([]);
    [1, 2, 3].forEach((n) => ring.push(n));
    expect(ring.toArray()).toEqual([2, 3]);
    expect(ring.pushed).toBe(3);
    expect(() => new Ring(0)).toThrow(/≥ 1/);
  });

  it('decodes only the first bytes of base64 and gives the full size', () => {
    const big = Buffer.alloc(10_000, 'x').toString('base64');
    expect(rawSample(big, 5)).toEqual({ rawData: 'xxxxx', rawBytes: 10_000, truncated: true });
    expect(rawSample(Buffer.from('ab').toString('base64'), 5)).toEqual({
      rawData: 'ab',
      rawBytes: 2,
      truncated: false,
    });
    expect(rawSample(new Uint8Array([0xff, 0x41]), 5).rawData).toBe('\uFFFDA');
  });
});
