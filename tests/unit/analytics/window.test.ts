import { gzipSync } from 'node:zlib';
import { aggregate as kplAggregate } from '../../../lib/records';
import {
  compileQuery,
  createWindowAggregator,
  createWindowAggregatorFromParts,
  analyticsInput,
  STATE_VERSION,
  tumblingWindowEvent,
  WindowEmitError,
  windowOf,
  type SerializedState,
  type WindowAggregator,
} from '../../../lib/analytics';
import { sequenceNumber } from '../../../lib/events/factories';
import { loadPipeline } from '../../../lib/pipeline/load';
import { clickEvent, purchaseEvent } from '../../fixtures/clickstream';
import { memorySink, PIPELINE_FILE, sqlPipeline, type MemorySink } from './helpers';

const WINDOW = windowOf(Date.UTC(2026, 10, 22, 12, 0, 30), 60);
const SQL = 'SELECT event_type, COUNT(*) AS n, SUM(qty) AS qty FROM stream GROUP BY event_type';

function records(objects: object[], from = 0) {
  return objects.map((object, index) => ({
    data: JSON.stringify(object),
    partitionKey: 'pk',
    sequenceNumber: sequenceNumber(from + index),
  }));
}

function setup(sql = SQL, maxStateBytes = 800_000): { aggregator: WindowAggregator; sink: MemorySink } {
  const sink = memorySink();
  const pipeline = sqlPipeline(sql);
  const aggregator = createWindowAggregatorFromParts({
    query: compileQuery(sql),
    input: analyticsInput(pipeline, 'raw'),
    sink,
    maxStateBytes,
  });
  return { aggregator, sink };
}

const objects = [
  { event_type: 'click', qty: 1 },
  { event_type: 'click', qty: 2 },
  { event_type: 'view', qty: 4 },
];

describe('window aggregator: state across invocations', () => {
  it('always answers with a versioned state, and emits the window on the final invoke', async () => {
    // Prepare
    const { aggregator, sink } = setup();

    // Act
    const first = await aggregator(tumblingWindowEvent(records(objects), { window: WINDOW }));
    const second = await aggregator(
      tumblingWindowEvent(records([{ event_type: 'view', qty: 10 }], 3), {
        window: WINDOW,
        state: first.state,
      }),
    );
    const final = await aggregator(
      tumblingWindowEvent([], { window: WINDOW, state: second.state, final: true }),
    );

    // Assess
    const state = second.state as SerializedState;
    expect(state).toMatchObject({
      v: STATE_VERSION,
      window: WINDOW.start,
      part: 0,
      seq: { 'shardId-000000000000': sequenceNumber(3) },
    });
    expect(sink.emissions).toHaveLength(1);
    expect(sink.rows).toEqual([
      {
        window_start: WINDOW.start,
        window_end: WINDOW.end,
        event_type: 'click',
        n: 2,
        qty: 3,
        shard_id: 'shardId-000000000000',
        part: 0,
        complete: true,
      },
      {
        window_start: WINDOW.start,
        window_end: WINDOW.end,
        event_type: 'view',
        n: 2,
        qty: 14,
        shard_id: 'shardId-000000000000',
        part: 0,
        complete: true,
      },
    ]);
    expect(final.state).toEqual({});
    expect(final.summary.emitted).toMatchObject({ rows: 2, part: 0, reason: 'final', sink: 'memory' });
  });

  it('does not count a re-delivered batch twice (same sequence numbers, state that already holds them)', async () => {
    // Prepare
    const { aggregator, sink } = setup();
    const batch = records(objects);
    const first = await aggregator(tumblingWindowEvent(batch, { window: WINDOW }));

    // Act: the same batch again, then an overlapping one (two old records, one new).
    const again = await aggregator(tumblingWindowEvent(batch, { window: WINDOW, state: first.state }));
    const overlap = await aggregator(
      tumblingWindowEvent([...batch.slice(1), ...records([{ event_type: 'view', qty: 1 }], 3)], {
        window: WINDOW,
        state: again.state,
      }),
    );
    await aggregator(tumblingWindowEvent([], { window: WINDOW, state: overlap.state, final: true }));

    // Assess
    expect((again.state as SerializedState).groups).toEqual((first.state as SerializedState).groups);
    expect(overlap.summary.stats.duplicates).toBe(5);
    expect(sink.rows.map((row) => [row.event_type, row.n, row.qty])).toEqual([
      ['click', 2, 3],
      ['view', 2, 5],
    ]);
  });

  it('counts bad records by reason and skips them without blocking the window', async () => {
    // Prepare
    const { aggregator, sink } = setup();
    const bad = [
      { data: 'not json', partitionKey: 'pk', sequenceNumber: sequenceNumber(10) },
      { data: '[1, 2]', partitionKey: 'pk', sequenceNumber: sequenceNumber(11) },
      {
        data: gzipSync('{"event_type": "click", "qty": 5}\n{"event_type": "view", "qty": "7"}'),
        partitionKey: 'pk',
        sequenceNumber: sequenceNumber(12),
      },
    ];

    // Act
    const folded = await aggregator(tumblingWindowEvent([...records(objects), ...bad], { window: WINDOW }));
    await aggregator(tumblingWindowEvent([], { window: WINDOW, state: folded.state, final: true }));

    // Assess: "qty": "7" is a string SUM cannot use; the row still counts.
    expect(folded.summary.stats).toMatchObject({
      records: 6,
      objects: 5,
      aggregated: 5,
      failed: { 'invalid-json': 1, 'not-an-object': 1 },
      ignoredValues: { 'SUM(qty)': 1 },
    });
    expect(sink.rows.map((row) => [row.event_type, row.n, row.qty])).toEqual([
      ['click', 3, 8],
      ['view', 2, 4],
    ]);
  });

  it('reads KPL-aggregated records', async () => {
    // Prepare
    const { aggregator, sink } = setup();
    const [aggregated] = kplAggregate(
      objects.map((object) => ({ data: Buffer.from(JSON.stringify(object)), partitionKey: 'pk' })),
    );

    // Act
    const folded = await aggregator(
      tumblingWindowEvent(
        [{ data: aggregated!.data, partitionKey: 'pk', sequenceNumber: sequenceNumber(0) }],
        { window: WINDOW },
      ),
    );
    await aggregator(tumblingWindowEvent([], { window: WINDOW, state: folded.state, final: true }));

    // Assess
    expect(folded.summary.stats.objects).toBe(3);
    expect(sink.rows.map((row) => row.n)).toEqual([2, 1]);
  });

  it.each<[string, (state: SerializedState) => unknown, RegExp]>([
    ['another version', (state) => ({ ...state, v: 99 }), /version 99/],
    ['another query', (state) => ({ ...state, query: 'deadbeef' }), /another query/],
    ['another window', (state) => ({ ...state, window: '2026-01-01T00:00:00Z' }), /belongs to window/],
    ['malformed groups', (state) => ({ ...state, groups: [[['click'], ['x', 1]]] }), /malformed/],
    ['groups that do not match the query', (state) => ({ ...state, groups: [[[], []]] }), /does not match/],
  ])('replaces a state of %s and says so', async (_name, corrupt, reason) => {
    // Prepare
    const { aggregator } = setup();
    const first = await aggregator(tumblingWindowEvent(records(objects), { window: WINDOW }));

    // Act
    const next = await aggregator(
      tumblingWindowEvent(records([{ event_type: 'view', qty: 1 }], 3), {
        window: WINDOW,
        state: corrupt(first.state as SerializedState) as object,
      }),
    );

    // Assess
    expect(next.summary.discardedState?.reason).toMatch(reason);
    expect(next.summary.discardedState?.stats).toMatchObject({ aggregated: 3 });
    expect((next.state as SerializedState).groups).toEqual([[['view'], [1, 1]]]);
  });
});

describe('window aggregator: state size', () => {
  it('grows with the number of groups and is measured on every invocation', async () => {
    // Prepare
    const { aggregator } = setup(
      'SELECT customer_id, COUNT(*) AS n, SUM(qty) AS qty FROM stream GROUP BY customer_id',
    );
    const sizes: number[] = [];
    let state: object = {};

    // Act: 1,000 new customers per invocation.
    for (let invocation = 0; invocation < 4; invocation += 1) {
      const batch = Array.from({ length: 1000 }, (_, i) => ({
        customer_id: `customer-${invocation * 1000 + i}`,
        qty: 1,
      }));
      const outcome = await aggregator(
        tumblingWindowEvent(records(batch, invocation * 1000), { window: WINDOW, state }),
      );
      state = outcome.state;
      sizes.push(outcome.summary.stateBytes);
    }

    // Assess: linear growth, each group ~25 bytes (["customer-1234"],[1,1]), and the figure is the JSON size.
    const perThousand = sizes.slice(1).map((size, i) => size - sizes[i]!);
    expect(perThousand.every((growth) => growth > 20_000 && growth < 35_000)).toBe(true);
    expect(sizes[3]).toBe(Buffer.byteLength(JSON.stringify(state)));
  });

  it('emits early when the state passes maxStateBytes, then continues in part 1', async () => {
    // Prepare
    const { aggregator, sink } = setup(
      'SELECT customer_id, COUNT(*) AS n FROM stream GROUP BY customer_id',
      5_000,
    );
    const batch = (from: number) =>
      records(
        Array.from({ length: 400 }, (_, i) => ({ customer_id: `customer-${from + i}` })),
        from,
      );

    // Act
    const early = await aggregator(tumblingWindowEvent(batch(0), { window: WINDOW }));
    const later = await aggregator(
      tumblingWindowEvent(batch(400).slice(0, 10), { window: WINDOW, state: early.state }),
    );
    await aggregator(tumblingWindowEvent([], { window: WINDOW, state: later.state, final: true }));

    // Assess
    expect(early.summary.emitted).toMatchObject({ reason: 'state-limit', part: 0, rows: 400 });
    expect(early.summary.stateBytes).toBeLessThan(5_000);
    expect((early.state as SerializedState).part).toBe(1);
    expect(sink.emissions.map(({ emission, rows }) => [emission.part, rows.length])).toEqual([
      [0, 400],
      [1, 10],
    ]);
    expect(sink.rows.every((row) => row.complete === false)).toBe(true);
  });
});

describe('window aggregator: sink failures keep the state', () => {
  it('throws on a failed final emission so Lambda retries it with the state it holds', async () => {
    // Prepare
    const { aggregator, sink } = setup();
    const folded = await aggregator(tumblingWindowEvent(records(objects), { window: WINDOW }));
    sink.failNext(1);
    const final = tumblingWindowEvent([], { window: WINDOW, state: folded.state, final: true });

    // Act
    const failure = await aggregator(final).catch((error: unknown) => error);
    const retry = await aggregator(
      tumblingWindowEvent([], { window: WINDOW, state: folded.state, final: true }),
    );

    // Assess
    expect(failure).toBeInstanceOf(WindowEmitError);
    expect((failure as WindowEmitError).message).toMatch(/memory: ServiceUnavailable/);
    expect((failure as WindowEmitError).summary.groups).toBe(2);
    expect(retry.summary.emitted?.rows).toBe(2);
    expect(sink.rows.map((row) => row.n)).toEqual([2, 1]);
  });

  it('keeps every row in the returned state when an early emission fails and the state still fits', async () => {
    // Prepare
    const { aggregator, sink } = setup(
      'SELECT customer_id, COUNT(*) AS n FROM stream GROUP BY customer_id',
      5_000,
    );
    sink.failNext(1);
    const batch = records(Array.from({ length: 400 }, (_, i) => ({ customer_id: `customer-${i}` })));

    // Act
    const failed = await aggregator(tumblingWindowEvent(batch, { window: WINDOW }));
    const next = await aggregator(tumblingWindowEvent([], { window: WINDOW, state: failed.state }));

    // Assess
    expect(failed.summary.deliveryError).toMatch(/ServiceUnavailable/);
    expect((failed.state as SerializedState).groups).toHaveLength(400);
    expect(next.summary.emitted).toMatchObject({ reason: 'state-limit', rows: 400 });
  });

  it('throws when an early emission fails and the state would pass Lambda’s 1 MB', async () => {
    // Prepare
    const { aggregator, sink } = setup(
      'SELECT customer_id, COUNT(*) AS n FROM stream GROUP BY customer_id',
      5_000,
    );
    sink.failNext(1);
    const batch = records(
      Array.from({ length: 40_000 }, (_, i) => ({ customer_id: `customer-with-a-long-identifier-${i}` })),
    );

    // Act
    const failure = await aggregator(tumblingWindowEvent(batch, { window: WINDOW })).catch(
      (error: unknown) => error,
    );

    // Assess
    expect(failure).toBeInstanceOf(WindowEmitError);
    expect((failure as WindowEmitError).summary.stateBytes).toBeGreaterThan(1_000_000);
  });
});

describe('window aggregator on the sample pipeline.yml', () => {
  it('reads records as the consumer does (validated, transformed) and aggregates per event type', async () => {
    // Prepare
    const sink = memorySink();
    const aggregator = createWindowAggregator(loadPipeline(PIPELINE_FILE), {
      sink,
      env: { MASK_SALT: 'salt' },
    });
    const input = [
      clickEvent(0),
      clickEvent(1),
      purchaseEvent(2),
      purchaseEvent(6),
      clickEvent(4, { event_type: 'heartbeat' }),
      { event_type: 'click' },
    ];

    // Act
    const folded = await aggregator(tumblingWindowEvent(records(input), { window: WINDOW }));
    await aggregator(tumblingWindowEvent([], { window: WINDOW, state: folded.state, final: true }));

    // Assess: heartbeat dropped by the transform filter, the incomplete record refused by the schema.
    expect(folded.summary.stats.dropped).toEqual({ 'no-heartbeats': 1 });
    expect(folded.summary.stats.failed).toEqual({ 'schema-violation': 1 });
    const purchase = sink.rows.find((row) => row.event_type === 'purchase');
    expect(purchase).toMatchObject({ events: 2, customers: 2, revenue: 85, avg_order_value: 42.5 });
  });
});
