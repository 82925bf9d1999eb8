/**
 * DuckDB as the oracle: the same SQL over the same records, computed in one go per shard and window by
 * DuckDB, must equal what the aggregator emits after folding the records over many invocations (random
 * batch sizes, re-delivered batches, several windows and shards).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  compileQuery,
  createWindowAggregator,
  createWindowAggregatorFromParts,
  analyticsInput,
  type CompiledQuery,
  type ResultRow,
} from '../../../lib/analytics';
import { drive, memorySink, random, sqlPipeline, type DriveResult, type StreamedRecord } from './helpers';

const WINDOW_SECONDS = 60;
const WINDOWS = 4;
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const TYPES = ['page_view', 'click', 'search', 'add_to_cart', 'purchase'];
const DEVICES = ['mobile', 'desktop', 'tablet'];

function makeRecords(count: number, seed: number, customers: number): StreamedRecord[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: count }, () => {
    const object: Record<string, unknown> = {
      event_type: pick(TYPES),
      customer_id: `c-${Math.floor(next() * customers)}`,
      qty: 1 + Math.floor(next() * 5),
    };
    const amount = next();
    if (amount < 0.6) object.amount = Math.round(next() * 10_000) / 100;
    else if (amount < 0.65) object.amount = null;
    const device = next();
    if (device < 0.85) object.device = { type: pick(DEVICES), os: pick(['ios', 'android']) };
    else if (device < 0.9) object.device = { type: null, os: 'linux' };
    const bot = next();
    if (bot < 0.8) object.is_bot = bot < 0.2;
    return {
      object,
      shard: Math.floor(next() * 2),
      arrival: T0 + Math.floor(next() * WINDOWS * WINDOW_SECONDS * 1000),
    };
  });
}

let dir: string;
let connection: DuckDBConnection;
let instance: DuckDBInstance;
const RECORDS = makeRecords(1600, 7, 60);
// Many customers, so COUNT(DISTINCT customer_id) passes the exact limit in every group.
const WIDE_RECORDS = makeRecords(1600, 11, 5000);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'analytics-oracle-'));
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

async function loadIntoDuckDb(table: string, run: DriveResult): Promise<void> {
  const lines = run.windows.flatMap(({ shard, window, records }) =>
    records.map((record) => JSON.stringify({ ...record.object, _k: `${shard}|${window.start}` })),
  );
  const file = join(dir, `${table}.jsonl`);
  writeFileSync(file, lines.join('\n'));
  await connection.run(
    `CREATE OR REPLACE TABLE ${table} AS SELECT * FROM read_json('${file}', format = 'newline_delimited', sample_size = -1)`,
  );
}

function plain(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/** DuckDB's answer per `shard|window`, the user's SQL run verbatim over a view named stream. */
async function oracle(table: string, sql: string, run: DriveResult): Promise<Map<string, unknown[][]>> {
  const answers = new Map<string, unknown[][]>();
  for (const { shard, window } of run.windows) {
    const key = `${shard}|${window.start}`;
    await connection.run(
      `CREATE OR REPLACE TEMP VIEW stream AS SELECT * EXCLUDE (_k) FROM ${table} WHERE _k = '${key}'`,
    );
    const reader = await connection.runAndReadAll(sql);
    answers.set(
      key,
      reader.getRowsJS().map((row) => row.map(plain)),
    );
  }
  return answers;
}

function emitted(rows: ResultRow[], query: CompiledQuery): Map<string, unknown[][]> {
  const byWindow = new Map<string, unknown[][]>();
  for (const row of rows) {
    const key = `${String(row.shard_id)}|${String(row.window_start)}`;
    const list = byWindow.get(key) ?? [];
    list.push(query.outputs.map((output) => row[output.name]));
    byWindow.set(key, list);
  }
  return byWindow;
}

function groupKey(row: unknown[], query: CompiledQuery): string {
  return JSON.stringify(
    query.outputs.flatMap((output, i) => (output.source === 'group' ? [row[i] ?? null] : [])),
  );
}

function sorted(rows: unknown[][], query: CompiledQuery): unknown[][] {
  return [...rows].sort((a, b) => (groupKey(a, query) < groupKey(b, query) ? -1 : 1));
}

/** Floats within 1e-9 relative; distinct counts from a sketch within `sketchTolerance`. */
function assertSame(
  actual: unknown[][],
  expected: unknown[][],
  query: CompiledQuery,
  sketchTolerance: number,
): void {
  expect(actual.map((row) => groupKey(row, query))).toEqual(expected.map((row) => groupKey(row, query)));
  actual.forEach((row, r) => {
    query.outputs.forEach((output, c) => {
      const got = row[c];
      const want = expected[r]![c];
      if (typeof want === 'number' && typeof got === 'number') {
        const distinct =
          output.source === 'aggregate' && query.aggregates[output.index]!.fn === 'count_distinct';
        const tolerance = distinct ? sketchTolerance : 1e-9;
        expect(Math.abs(got - want)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(want)));
      } else {
        expect({ column: output.name, value: got ?? null }).toEqual({
          column: output.name,
          value: want ?? null,
        });
      }
    });
  });
}

describe('window aggregator against DuckDB', () => {
  const queries: [string, string][] = [
    [
      'every aggregate per event type',
      'SELECT event_type, COUNT(*) AS events, COUNT(DISTINCT customer_id) AS customers, SUM(amount) AS revenue, AVG(amount) AS aov, MIN(amount) AS lo, MAX(amount) AS hi FROM stream GROUP BY event_type',
    ],
    [
      'nested group columns, both quoting styles, NULL groups',
      'SELECT device.type, "device"."os", COUNT(*) AS n, COUNT(amount) AS priced, MIN(customer_id) AS first, MAX(customer_id) AS last FROM stream GROUP BY device.type, "device".os',
    ],
    [
      'no GROUP BY, AND with IN',
      "SELECT COUNT(*) AS n, SUM(qty) AS qty, AVG(qty) AS avg_qty FROM stream WHERE amount > 20 AND event_type IN ('click', 'purchase')",
    ],
    [
      'IS NULL, OR, NOT over NULLs',
      'SELECT event_type, COUNT(*) AS n FROM stream WHERE device.type IS NULL OR NOT (amount < 10) GROUP BY event_type',
    ],
    [
      'LIKE, BETWEEN, boolean groups',
      "SELECT is_bot, COUNT(*) AS n, COUNT(DISTINCT event_type) AS kinds FROM stream WHERE customer_id LIKE 'c-1%' AND amount BETWEEN 10 AND 50 GROUP BY is_bot",
    ],
    [
      'boolean columns as predicates, NOT IN, IS NOT NULL',
      "SELECT event_type, COUNT(*) AS n, SUM(amount) AS s FROM stream WHERE is_bot AND event_type NOT IN ('search') OR amount IS NOT NULL AND NOT is_bot GROUP BY event_type",
    ],
    [
      'AND before OR, whatever the parser nests (a OR b AND c, NOT a AND b, parenthesised groups)',
      "SELECT event_type, COUNT(*) AS n FROM stream WHERE event_type = 'click' OR amount > 50 AND is_bot OR NOT is_bot AND (qty = 1 OR qty = 5) AND device.type IN ('mobile') GROUP BY event_type",
    ],
    [
      'NOT over a parenthesised chain, nested parentheses',
      "SELECT event_type, COUNT(*) AS n FROM stream WHERE NOT (amount < 20 OR qty > 3 AND is_bot) AND ((event_type <> 'search' OR qty = 2) AND amount IS NOT NULL) GROUP BY event_type",
    ],
    [
      'ILIKE, <>, >= and a table alias',
      "SELECT s.event_type, COUNT(*) AS n, MAX(s.qty) AS most FROM stream AS s WHERE s.event_type ILIKE '%CART' OR s.event_type <> 'click' AND s.amount >= 0 GROUP BY s.event_type",
    ],
  ];

  it.each(queries)('%s', async (_name, sql) => {
    // Prepare
    const pipeline = sqlPipeline(sql);
    const sink = memorySink();
    const aggregator = createWindowAggregator(pipeline, { sink });
    const query = compileQuery(sql);

    // Act
    const run = await drive(aggregator, RECORDS, {
      windowSeconds: WINDOW_SECONDS,
      maxBatch: 40,
      seed: 3,
      redeliver: 0.2,
    });
    await loadIntoDuckDb('recs', run);
    const expected = await oracle('recs', sql, run);

    // Assess
    expect(run.windows.length).toBe(2 * WINDOWS);
    expect(run.redelivered).toBeGreaterThan(0);
    const actual = emitted(sink.rows, query);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, rows] of expected)
      assertSame(sorted(actual.get(key)!, query), sorted(rows, query), query, 0);
    expect(sink.rows.every((row) => row.complete === true && row.part === 0)).toBe(true);
  });

  it('COUNT(DISTINCT) stays exact up to the limit and within the sketch error past it', async () => {
    // Prepare
    const sql =
      'SELECT device.type, COUNT(DISTINCT customer_id) AS customers, COUNT(DISTINCT event_type) AS kinds FROM stream GROUP BY device.type';
    const pipeline = sqlPipeline(sql, ['distinct: { exactLimit: 40, precision: 12 }']);
    const sink = memorySink();
    const query = compileQuery(sql, { distinct: { exactLimit: 40, precision: 12 } });

    // Act
    const run = await drive(createWindowAggregator(pipeline, { sink }), WIDE_RECORDS, {
      windowSeconds: WINDOW_SECONDS,
      maxBatch: 60,
      seed: 5,
      redeliver: 0.1,
    });
    await loadIntoDuckDb('wide', run);
    const expected = await oracle('wide', sql, run);

    // Assess: most groups hold ~100 customers, past the limit of 40; 4 sigma of 1.6 % is 6.5 %.
    const actual = emitted(sink.rows, query);
    const customers = [...expected.values()].flat().map((row) => row[1] as number);
    expect(customers.filter((n) => n > 40).length).toBeGreaterThan(customers.length / 2);
    for (const [key, rows] of expected)
      assertSame(sorted(actual.get(key)!, query), sorted(rows, query), query, 0.065);
    // event_type has 5 values: below the limit, exact.
    for (const [key, rows] of expected) {
      expect(sorted(actual.get(key)!, query).map((row) => row[2])).toEqual(
        sorted(rows, query).map((row) => row[2]),
      );
    }
  });

  it('early emissions (state over maxStateBytes) add up to DuckDB per group', async () => {
    // Prepare: one group per customer makes the state grow past a small limit several times per window.
    const sql =
      'SELECT customer_id, COUNT(*) AS n, SUM(qty) AS qty, MIN(qty) AS lo, MAX(qty) AS hi FROM stream GROUP BY customer_id';
    const pipeline = sqlPipeline(sql);
    const sink = memorySink();
    const query = compileQuery(sql);
    const aggregator = createWindowAggregatorFromParts({
      query,
      input: analyticsInput(pipeline, 'raw'),
      sink,
      maxStateBytes: 2_000,
    });

    // Act
    const run = await drive(aggregator, WIDE_RECORDS, {
      windowSeconds: WINDOW_SECONDS,
      maxBatch: 30,
      seed: 9,
      redeliver: 0.1,
    });
    await loadIntoDuckDb('parts', run);
    const expected = await oracle('parts', sql, run);

    // Assess: the parts of a window merge (COUNT and SUM add, MIN and MAX take the extreme) into DuckDB's rows.
    const early = run.outcomes.filter((outcome) => outcome.summary.emitted?.reason === 'state-limit');
    expect(early.length).toBeGreaterThan(run.windows.length);
    // A returned state is under the limit, or over it by at most one batch (30 new groups of ~50 bytes).
    expect(Math.max(...run.outcomes.map((outcome) => outcome.summary.stateBytes))).toBeLessThan(
      2_000 + 30 * 50,
    );
    const merged = new Map<string, unknown[][]>();
    for (const [key, rows] of emitted(sink.rows, query)) {
      const groups = new Map<string, number[]>();
      for (const row of rows) {
        const [customer, n, qty, lo, hi] = row as [string, number, number, number, number];
        const sum = groups.get(customer);
        groups.set(
          customer,
          sum ? [sum[0]! + n, sum[1]! + qty, Math.min(sum[2]!, lo), Math.max(sum[3]!, hi)] : [n, qty, lo, hi],
        );
      }
      merged.set(
        key,
        [...groups].map(([customer, values]) => [customer, ...values]),
      );
    }
    for (const [key, rows] of expected)
      assertSame(sorted(merged.get(key)!, query), sorted(rows, query), query, 0);
    expect(sink.rows.some((row) => row.complete === false && (row.part as number) > 0)).toBe(true);
  });
});
