import {
  compileTemplate,
  createMemorySink,
  createVirtualClock,
  generate,
  type GeneratedRecord,
  type GenerateProgress,
  type RecordProducer,
  type RecordSink,
  type SinkResult,
  type VirtualClock,
} from '../../../lib/generator';

/** A producer of tiny numbered records, so these tests measure scheduling, not faker. */
function counter(): RecordProducer {
  let n = 0;
  return { next: () => ({ data: Buffer.from(`${(n += 1)}\n`), partitionKey: String(n), kind: 'valid' }) };
}

interface Sent {
  at: number;
  size: number;
  /** Records handed over so far, this batch included. */
  total: number;
}

/** A sink on virtual time that records when each batch arrived and how many were in flight at once. */
function recordingSink(
  clock: VirtualClock,
  options: {
    latencyMs?: (batchIndex: number) => number;
    result?: (batch: readonly GeneratedRecord[]) => SinkResult;
  } = {},
): RecordSink & { sent: Sent[]; maxInFlight: number } {
  let inFlight = 0;
  let total = 0;
  const sink = {
    sent: [] as Sent[],
    maxInFlight: 0,
    send: async (batch: readonly GeneratedRecord[]): Promise<SinkResult> => {
      const index = sink.sent.length;
      total += batch.length;
      sink.sent.push({ at: clock.now(), size: batch.length, total });
      inFlight += 1;
      sink.maxInFlight = Math.max(sink.maxInFlight, inFlight);
      const latency = options.latencyMs?.(index) ?? 0;
      if (latency > 0) await clock.sleep(latency);
      inFlight -= 1;
      return options.result?.(batch) ?? { acknowledged: batch.length, failed: [] };
    },
    close: () => Promise.resolve(),
  };
  return sink;
}

describe('generate by count', () => {
  it('sends full batches as fast as the sink takes them', async () => {
    // Prepare
    const sink = createMemorySink();
    const template = compileTemplate('{{random.number(9)}}', { seed: 1 });

    // Act
    const report = await generate({ template, sink, count: 1234 });

    // Assess
    expect(sink.records).toHaveLength(1234);
    expect(report).toMatchObject({
      attempted: 1234,
      acknowledged: 1234,
      failed: 0,
      bytes: 1234 * 2,
      errors: {},
    });
    expect(report.byKind.valid).toEqual({ attempted: 1234, acknowledged: 1234, failed: 0 });
    expect(report.scheduled).toBeUndefined();
    expect(sink.closed).toBe(true);
  });

  it('splits into batches of at most batchSize', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = recordingSink(clock);

    // Act
    await generate({ template: counter(), sink, count: 1234, batchSize: 500, clock });

    // Assess
    expect(sink.sent.map(({ size }) => size)).toEqual([500, 500, 234]);
  });

  it('keeps to the rate, a full batch every batchSize / rate seconds', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = recordingSink(clock);

    // Act
    const report = await generate({ template: counter(), sink, count: 5000, ratePerSecond: 1000, clock });

    // Assess
    expect(sink.sent.map(({ size }) => size)).toEqual(Array(10).fill(500));
    sink.sent.forEach(({ at }, index) => expect(Math.abs(at - (index + 1) * 500)).toBeLessThanOrEqual(1));
    expect(report.durationMs).toBeGreaterThanOrEqual(5000);
    expect(report.durationMs).toBeLessThanOrEqual(5001);
    expect(report.ratePerSecond).toBeCloseTo(1000, -1);
    expect(report.scheduled).toBe(5000);
  });

  it('sends a short last batch as soon as it is due', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = recordingSink(clock);

    // Act
    await generate({ template: counter(), sink, count: 50, ratePerSecond: 1000, clock });

    // Assess
    expect(sink.sent).toEqual([{ at: 50, size: 50, total: 50 }]);
  });

  it('flushes partial batches at low rates instead of waiting for 500 records', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = recordingSink(clock);

    // Act
    await generate({ template: counter(), sink, count: 50, ratePerSecond: 10, flushIntervalMs: 1000, clock });

    // Assess
    expect(sink.sent.length).toBeGreaterThanOrEqual(5);
    for (const { size } of sink.sent) expect(size).toBeLessThanOrEqual(11);
    expect(sink.sent.at(-1)?.at).toBeLessThanOrEqual(5000);
  });
});

describe('generate by duration', () => {
  it.each([
    [200, 10],
    [1000, 3],
    [3, 7],
  ])('sends rate x duration records at %i/s for %i s', async (rate, seconds) => {
    // Prepare
    const clock = createVirtualClock();
    const sink = recordingSink(clock);

    // Act
    const report = await generate({
      template: counter(),
      sink,
      ratePerSecond: rate,
      durationSeconds: seconds,
      clock,
    });

    // Assess
    expect(report.attempted).toBe(rate * seconds);
    expect(report.scheduled).toBe(rate * seconds);
    expect(report.durationMs).toBe(seconds * 1000);
  });

  it('stops at the duration when there is no rate', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = recordingSink(clock, { latencyMs: () => 100 });

    // Act
    const report = await generate({ template: counter(), sink, durationSeconds: 1, clock });

    // Assess
    expect(report.attempted).toBe(10 * 500);
    expect(report.durationMs).toBe(1000);
  });
});

describe('catching up', () => {
  it('makes up for a slow batch with full batches, never running ahead of the schedule', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = recordingSink(clock, { latencyMs: (index) => (index === 2 ? 3000 : 0) });

    // Act
    const report = await generate({ template: counter(), sink, count: 10_000, ratePerSecond: 1000, clock });

    // Assess
    for (const { at, total } of sink.sent) expect(total).toBeLessThanOrEqual(Math.floor(at) + 1);
    const burst = sink.sent.filter(({ at }) => at === 4500);
    expect(burst.map(({ size }) => size)).toEqual([500, 500, 500, 500, 500, 500]);
    expect(report.durationMs).toBeLessThanOrEqual(10_001);
    expect(report.acknowledged).toBe(10_000);
  });
});

describe('concurrency', () => {
  const slow = (clock: VirtualClock): ReturnType<typeof recordingSink> =>
    recordingSink(clock, { latencyMs: () => 1000 });

  it('falls behind with one batch in flight when each call takes a second', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = slow(clock);

    // Act
    const report = await generate({
      template: counter(),
      sink,
      ratePerSecond: 2000,
      durationSeconds: 10,
      clock,
    });

    // Assess
    expect(sink.maxInFlight).toBe(1);
    expect(report.scheduled).toBe(20_000);
    expect(report.attempted).toBeLessThanOrEqual(5000);
  });

  it('keeps up with enough batches in flight', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = slow(clock);

    // Act
    const report = await generate({
      template: counter(),
      sink,
      ratePerSecond: 2000,
      durationSeconds: 10,
      concurrency: 4,
      clock,
    });

    // Assess
    expect(sink.maxInFlight).toBe(4);
    expect(report.attempted).toBe(20_000);
    expect(report.acknowledged).toBe(20_000);
  });

  it('never has more than `concurrency` batches in flight when running flat out', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = slow(clock);

    // Act
    const report = await generate({ template: counter(), sink, count: 10_000, concurrency: 3, clock });

    // Assess
    expect(sink.maxInFlight).toBe(3);
    expect(report.durationMs).toBe(7000);
  });
});

describe('rate profiles', () => {
  it('follows a sine: over a whole period the mean is the base rate, the first half busier', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = recordingSink(clock);

    // Act
    const report = await generate({
      template: counter(),
      sink,
      ratePerSecond: 1000,
      durationSeconds: 10,
      profile: { type: 'sine', amplitude: 0.9, periodSeconds: 10 },
      clock,
    });

    // Assess
    expect(report.attempted).toBeGreaterThan(9900);
    expect(report.attempted).toBeLessThan(10_100);
    const firstHalf = sink.sent.filter(({ at }) => at < 5000).reduce((sum, { size }) => sum + size, 0);
    // 0.79 in theory (5 + 0.9 x 10/pi of 10); batches sent just after 5 s carry some first-half records.
    expect(firstHalf / report.attempted).toBeGreaterThan(0.7);
  });

  it('follows an hourly table', async () => {
    // Prepare
    const clock = createVirtualClock(Date.UTC(2025, 0, 1, 0, 0));

    // Act
    const report = await generate({
      template: counter(),
      sink: recordingSink(clock),
      ratePerSecond: 100,
      durationSeconds: 10,
      profile: { type: 'hourly', multipliers: Array(24).fill(3), timeZone: 'utc' },
      clock,
    });

    // Assess
    expect(report.attempted).toBe(3000);
  });
});

describe('failures', () => {
  it('counts only acknowledged records as acknowledged, and failures by error code and kind', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = recordingSink(clock, {
      result: (batch) => {
        const failed = batch.flatMap((_, index) =>
          index % 10 === 0
            ? [{ index, errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'slow down' }]
            : [],
        );
        return { acknowledged: batch.length - failed.length, failed };
      },
    });

    // Act
    const report = await generate({ template: counter(), sink, count: 1000, batchSize: 100, clock });

    // Assess
    expect(report).toMatchObject({ attempted: 1000, acknowledged: 900, failed: 100 });
    expect(report.errors).toEqual({ ProvisionedThroughputExceededException: 100 });
    expect(report.byKind.valid).toEqual({ attempted: 1000, acknowledged: 900, failed: 100 });
  });

  it('sums the records the sink resent, and those that may be duplicates, into the report', async () => {
    const clock = createVirtualClock();
    const sink = recordingSink(clock, {
      result: (batch) => ({ acknowledged: batch.length, failed: [], resent: 10, resentUnconfirmed: 4 }),
    });

    const report = await generate({ template: counter(), sink, count: 300, batchSize: 100, clock });
    const quiet = await generate({
      template: counter(),
      sink: recordingSink(clock),
      count: 100,
      batchSize: 100,
      clock,
    });

    expect(report).toMatchObject({ acknowledged: 300, resent: 30, resentUnconfirmed: 12 });
    // The fields are there when nothing was resent, so a JSON summary always has them.
    expect(quiet).toMatchObject({ resent: 0, resentUnconfirmed: 0 });
  });

  it('fails records a sink neither acknowledged nor rejected', async () => {
    // Prepare
    const clock = createVirtualClock();
    const sink = recordingSink(clock, {
      result: (batch) => ({ acknowledged: batch.length - 5, failed: [] }),
    });

    // Act
    const report = await generate({ template: counter(), sink, count: 100, batchSize: 50, clock });

    // Assess
    expect(report).toMatchObject({
      attempted: 100,
      acknowledged: 90,
      failed: 10,
      errors: { NotAcknowledged: 10 },
    });
  });

  it('stops when the sink throws, counting the batch as failed', async () => {
    // Prepare
    const clock = createVirtualClock();
    let calls = 0;
    const sink: RecordSink = {
      send: (batch) => {
        calls += 1;
        return calls === 2
          ? Promise.reject(new Error('ResourceNotFoundException: no such stream'))
          : Promise.resolve({ acknowledged: batch.length, failed: [] });
      },
      close: () => Promise.resolve(),
    };

    // Act
    const report = await generate({ template: counter(), sink, count: 5000, batchSize: 500, clock });

    // Assess
    expect(report).toMatchObject({
      attempted: 1000,
      acknowledged: 500,
      failed: 500,
      errors: { SinkError: 500 },
    });
    expect(report.aborted).toMatch(/sink failed: ResourceNotFoundException: no such stream/);
  });

  it('stops when a record cannot be generated, naming the record', async () => {
    // Prepare
    let n = 0;
    const producer: RecordProducer = {
      next: () => {
        n += 1;
        if (n === 7) throw new Error('boom');
        return { data: Buffer.from('x'), partitionKey: 'k', kind: 'valid' };
      },
    };

    // Act
    const report = await generate({ template: producer, sink: createMemorySink(), count: 20, batchSize: 5 });

    // Assess
    expect(report.attempted).toBe(6);
    expect(report.aborted).toBe('record 7 could not be generated: boom');
  });
});

describe('run control', () => {
  it('stops when the signal aborts', async () => {
    // Prepare
    const clock = createVirtualClock();
    const controller = new AbortController();
    const sink = recordingSink(clock, {
      result: (batch) => {
        if (clock.now() >= 3000) controller.abort();
        return { acknowledged: batch.length, failed: [] };
      },
    });

    // Act
    const report = await generate({
      template: counter(),
      sink,
      ratePerSecond: 500,
      clock,
      signal: controller.signal,
    });

    // Assess
    expect(report.attempted).toBe(1500);
    expect(report.acknowledged).toBe(1500);
  });

  it('reports progress after each batch', async () => {
    // Prepare
    const updates: GenerateProgress[] = [];

    // Act
    await generate({
      template: counter(),
      sink: createMemorySink(),
      count: 1000,
      batchSize: 250,
      onProgress: (p) => updates.push(p),
    });

    // Assess
    expect(updates.map(({ acknowledged }) => acknowledged)).toEqual([250, 500, 750, 1000]);
    expect(updates[0]).toMatchObject({ targetCount: 1000, failed: 0 });
  });

  it('leaves the sink open when asked', async () => {
    // Prepare
    const sink = createMemorySink();

    // Act
    await generate({ template: counter(), sink, count: 1, closeSink: false });

    // Assess
    expect(sink.closed).toBe(false);
  });

  it.each<[string, object, RegExp]>([
    ['a batch over 500', { batchSize: 501 }, /batchSize/],
    ['a fractional count', { count: 1.5 }, /count/],
    ['a zero rate', { ratePerSecond: 0 }, /ratePerSecond/],
    ['zero concurrency', { concurrency: 0 }, /concurrency/],
    [
      'a profile without a rate',
      { profile: { type: 'sine', amplitude: 0.5, periodSeconds: 60 } },
      /profile needs ratePerSecond/,
    ],
  ])('rejects %s', async (_name, options, message) => {
    // Act / Assess
    await expect(
      generate({ template: counter(), sink: createMemorySink(), count: 1, ...options }),
    ).rejects.toThrow(message);
  });
});
