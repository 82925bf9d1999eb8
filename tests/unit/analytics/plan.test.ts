/**
 * The plan `sls package` ships (planQuery → JSON → compilePlan, no parser) computes what the query parsed at
 * cold start computes: the same fingerprint (so state carries over a redeploy), the same rows kept and the
 * same values read.
 */
import { compilePlan, type QueryPlan } from '../../../lib/analytics/plan';
import { compileQuery, planPipelineQuery, planQuery } from '../../../lib/analytics/sql';
import { AnalyticsSqlError, createWindowAggregator } from '../../../lib/analytics';
import { drive, memorySink, pipelineWith, random, schemaFile, type StreamedRecord } from './helpers';
import { clickEvent, purchaseEvent } from '../../fixtures/clickstream';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const RECORDS = [
  clickEvent(1),
  purchaseEvent(2),
  clickEvent(3, { event_type: 'heartbeat' }),
  clickEvent(4, { amount: 12.5 }),
  purchaseEvent(5),
];

describe('compilePlan(planQuery(sql)) after a JSON round trip', () => {
  it.each([
    "SELECT event_type, COUNT(*) AS events, SUM(amount) FROM stream WHERE event_type <> 'heartbeat' GROUP BY event_type",
    'SELECT s.device.type AS device, COUNT(DISTINCT customer_id) FROM stream AS s WHERE amount > 10 OR amount IS NULL GROUP BY s.device.type',
    "SELECT COUNT(*) FROM stream WHERE event_type IN ('click', 'purchase') AND NOT (amount BETWEEN 1 AND 50)",
  ])('%s', (sql) => {
    // Prepare
    const direct = compileQuery(sql, { distinct: { exactLimit: 8, precision: 10 } });

    // Act
    const shipped = compilePlan(
      JSON.parse(JSON.stringify(planQuery(sql, { distinct: { exactLimit: 8, precision: 10 } }))),
    );

    // Assess
    expect(shipped.fingerprint).toBe(direct.fingerprint);
    expect(shipped.outputs).toEqual(direct.outputs);
    expect(shipped.aggregates.map(({ fn, label, path }) => [fn, label, path])).toEqual(
      direct.aggregates.map(({ fn, label, path }) => [fn, label, path]),
    );
    for (const record of RECORDS) {
      expect(shipped.where?.(record)).toEqual(direct.where?.(record));
      expect(shipped.groups.map((group) => group.read(record))).toEqual(
        direct.groups.map((group) => group.read(record)),
      );
      expect(shipped.aggregates.map((a) => a.read(record))).toEqual(
        direct.aggregates.map((a) => a.read(record)),
      );
    }
  });

  it('keeps the WHERE in the fingerprint: another predicate is another plan', () => {
    const base = 'SELECT COUNT(*) FROM stream WHERE amount > 10';
    expect(planQuery(base).fingerprint).not.toBe(planQuery(base.replace('10', '11')).fingerprint);
  });

  it('refuses at planning what the function could not run', () => {
    expect(() => planQuery('SELECT COUNT(*) FROM stream WHERE amount + 1 > 2')).toThrow(AnalyticsSqlError);
  });
});

/** The guide's stock ticks: upper-case fields that its queries name in mixed case (Ticker_Symbol). */
const STOCK_SCHEMA = {
  type: 'object',
  properties: {
    TICKER_SYMBOL: { type: 'string' },
    SECTOR: { type: 'string' },
    PRICE: { type: 'integer' },
  },
};
const next = random(17);
const STOCKS = Array.from({ length: 120 }, () => ({
  TICKER_SYMBOL: ['QXZ', 'AMZN', 'WAS', 'NFLX'][Math.floor(next() * 4)]!,
  SECTOR: ['HEALTHCARE', 'RETAIL', 'TECHNOLOGY'][Math.floor(next() * 3)]!,
  PRICE: 10 + Math.floor(next() * 190),
}));
const STOCK_SQL =
  'SELECT Ticker_Symbol, COUNT(*) AS n, SUM(price) AS total FROM stream AS S WHERE s.Sector = \'TECHNOLOGY\' OR "PRICE" > 150 GROUP BY Ticker_Symbol';

function stockPipeline(sql: string) {
  return pipelineWith(
    [`sql: ${JSON.stringify(sql)}`, 'sink: { type: kinesis, stream: results }', 'records: raw'].join('\n'),
    '',
    schemaFile('plan-stocks', STOCK_SCHEMA),
  );
}

/** The window's rows as [ticker, n, total], through the shipped plan when one is given. */
async function rowsOf(sql: string, plan?: QueryPlan): Promise<unknown[][]> {
  const sink = memorySink();
  const streamed: StreamedRecord[] = STOCKS.map((object, index) => ({
    object,
    shard: 0,
    arrival: T0 + index,
  }));
  await drive(createWindowAggregator(stockPipeline(sql), { sink, ...(plan && { plan }) }), streamed, {
    windowSeconds: 60,
    maxBatch: 20,
    seed: 3,
  });
  return sink.rows
    .map((row) => [row.TICKER_SYMBOL, row.n, row.total])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

describe('the shipped plan keeps the identifier rules (columns resolved when planning)', () => {
  const shippedPlan = (sql: string): QueryPlan => {
    const pipeline = stockPipeline(sql);
    return JSON.parse(JSON.stringify(planPipelineQuery(pipeline.config, pipeline.recordSchema))) as QueryPlan;
  };

  it('Ticker_Symbol over TICKER_SYMBOL: the same rows as the query compiled at cold start, and as the data has', async () => {
    // Prepare: what the data holds, computed here
    const expected = new Map<string, [string, number, number]>();
    for (const stock of STOCKS.filter((s) => s.SECTOR === 'TECHNOLOGY' || s.PRICE > 150)) {
      const row = expected.get(stock.TICKER_SYMBOL) ?? [stock.TICKER_SYMBOL, 0, 0];
      expected.set(stock.TICKER_SYMBOL, [row[0], row[1] + 1, row[2] + stock.PRICE]);
    }

    // Act
    const shipped = await rowsOf(STOCK_SQL, shippedPlan(STOCK_SQL));
    const direct = await rowsOf(STOCK_SQL);

    // Assess
    expect(expected.size).toBe(4);
    expect(shipped).toEqual([...expected.values()].sort((a, b) => a[0].localeCompare(b[0])));
    expect(direct).toEqual(shipped);
  });

  it('stores exact field paths, no names as written, no placeholders and no source positions', () => {
    const plan = shippedPlan(STOCK_SQL);
    const where = JSON.stringify(plan.where);
    expect(plan.groups).toEqual([['TICKER_SYMBOL']]);
    expect(plan.aggregates.map((aggregate) => aggregate.path)).toEqual([undefined, ['PRICE']]);
    expect(where).toContain('{"type":"column_ref","path":["SECTOR"]}');
    expect(where).toContain('{"type":"column_ref","path":["PRICE"]}');
    expect(where).not.toMatch(/Sector|kpipe_q|"loc"|"table"/);
  });

  it('compiles a shipped plan without the record schema: the tree holds what the schema decided', () => {
    // Prepare: the same query planned without a schema reads names as written, and so finds nothing
    const unresolved = JSON.parse(JSON.stringify(planQuery(STOCK_SQL))) as QueryPlan;
    const resolved = compilePlan(shippedPlan(STOCK_SQL));
    const asWritten = compilePlan(unresolved);
    const tech = STOCKS.find((stock) => stock.SECTOR === 'TECHNOLOGY' && stock.PRICE <= 150)!;

    // Assess
    expect(resolved.where?.(tech)).toBe(true);
    expect(resolved.groups[0]!.read(tech)).toBe(tech.TICKER_SYMBOL);
    expect(asWritten.where?.(tech)).not.toBe(true);
    expect(asWritten.groups[0]!.read(tech)).toBeNull();
  });

  it('gives equal plans one fingerprint, whatever the case or quoting of a name, and another query another', () => {
    const fingerprint = (sql: string) => shippedPlan(sql).fingerprint;
    const base = fingerprint(STOCK_SQL);
    expect(fingerprint(STOCK_SQL)).toBe(base);
    expect(fingerprint(STOCK_SQL.replace('s.Sector', '"SECTOR"').replace('"PRICE"', 'Price'))).toBe(base);
    expect(fingerprint(STOCK_SQL.replace('s.Sector', 'TICKER_SYMBOL'))).not.toBe(base);
    expect(fingerprint(STOCK_SQL.replace('> 150', '> 151'))).not.toBe(base);
    expect(compileQuery(STOCK_SQL).fingerprint).toBe(compilePlan(planQuery(STOCK_SQL)).fingerprint);
  });

  it('refuses at planning what the identifier rules refuse: a quoted name in another case, an unknown column', () => {
    // Prepare: a loaded pipeline (the loader refuses these too), its SQL swapped for planning alone
    const pipeline = stockPipeline(STOCK_SQL);
    const plan = (sql: string) =>
      planPipelineQuery(
        { ...pipeline.config, analytics: { ...pipeline.config.analytics!, sql } },
        pipeline.recordSchema,
      );

    // Assess
    expect(() => plan(STOCK_SQL)).not.toThrow();
    expect(() => plan(STOCK_SQL.replace('"PRICE"', '"Price"'))).toThrow(/"Price" is not a field/);
    expect(() => plan(STOCK_SQL.replace('s.Sector', 's.Sectr'))).toThrow(/Sectr .*did you mean SECTOR/);
  });

  it('refuses a plan whose WHERE column was not resolved, naming the way out', () => {
    const plan = shippedPlan(STOCK_SQL);
    const raw = { ...plan, where: { type: 'column_ref', table: null, column: 'SECTOR' } } as QueryPlan;
    expect(() => compilePlan(raw)).toThrow(/without a resolved path .*plan the query again/);
  });
});
