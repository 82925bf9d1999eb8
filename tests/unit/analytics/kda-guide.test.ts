/**
 * The Kinesis Data Analytics for SQL developer guide's own queries, over data shaped as the guide's (the
 * getting-started demo stream's stock ticks; the "multiple record types" example's orders and trades, made
 * the way its Python producer makes them), through the window aggregator and through DuckDB: the rows must
 * be equal. Sources (awsdocs/amazon-kinesis-data-analytics-developer-guide, doc_source/):
 * tumbling-window-concepts.md, app-tworecordtypes.md, tworecordtypes-prepare.md. The guide writes unquoted
 * names in another case than the data (`Ticker_Symbol` over TICKER_SYMBOL, `recordtype` over RecordType),
 * which KDA folds; here unquoted names match case-insensitively, quoted ones exactly.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePipelineQuery, createWindowAggregator, type CompiledQuery } from '../../../lib/analytics';
import { PipelineConfigError } from '../../../lib/pipeline/load';
import { drive, memorySink, pipelineWith, random, schemaFile, type StreamedRecord } from './helpers';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const next = random(20);
const randint = (low: number, high: number): number => low + Math.floor(next() * (high - low + 1));

/** The demo stream's schema: (TICKER_SYMBOL VARCHAR(4), SECTOR varchar(16), CHANGE REAL, PRICE REAL). */
const STOCK_SCHEMA = {
  type: 'object',
  properties: {
    TICKER_SYMBOL: { type: 'string' },
    SECTOR: { type: 'string' },
    CHANGE: { type: 'number' },
    PRICE: { type: 'number' },
  },
};
const TICKERS = [
  ['QXZ', 'HEALTHCARE'],
  ['AMZN', 'RETAIL'],
  ['WAS', 'TECHNOLOGY'],
  ['NFLX', 'TECHNOLOGY'],
  ['DFG', 'ENERGY'],
] as const;
const STOCKS = Array.from({ length: 300 }, () => {
  const [symbol, sector] = TICKERS[randint(0, TICKERS.length - 1)]!;
  return {
    TICKER_SYMBOL: symbol,
    SECTOR: sector,
    CHANGE: randint(-500, 500) / 100,
    PRICE: randint(1000, 20000) / 100,
  };
});

/** The two record types of app-tworecordtypes.md, as its producer writes them. */
const ORDERS_SCHEMA = {
  type: 'object',
  properties: {
    RecordType: { type: 'string', enum: ['Order', 'Trade'] },
    Oid: { type: 'integer' },
    Oticker: { type: 'string' },
    Oprice: { type: 'integer' },
    Otype: { type: 'string' },
    Tid: { type: 'integer' },
    Toid: { type: 'integer' },
    Tticker: { type: 'string' },
    Tprice: { type: 'integer' },
  },
};
const ORDERS_AND_TRADES = Array.from({ length: 60 }, (_unused, index) => {
  const x = index + 1;
  const ticker = ['AAAA', 'BBBB', 'CCCC'][randint(0, 2)]!;
  const order = { RecordType: 'Order', Oid: x, Oticker: ticker, Oprice: randint(500, 10000), Otype: 'Sell' };
  const trades = Array.from({ length: randint(0, 6) }, (_trade, tId) => ({
    RecordType: 'Trade',
    Tid: tId + 1,
    Toid: x,
    Tticker: ticker,
    Tprice: randint(0, 3000),
  }));
  return [order, ...trades];
}).flat();

let dir: string;
let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kda-guide-'));
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

function pipelineFor(sql: string, name: string, schema: object) {
  return pipelineWith(
    [`sql: ${JSON.stringify(sql)}`, 'sink: { type: kinesis, stream: results }', 'records: raw'].join('\n'),
    '',
    schemaFile(name, schema),
  );
}

/** DuckDB's rows for the same SQL over a view named stream holding the records. */
async function duckdb(sql: string, records: object[]): Promise<unknown[][]> {
  const file = join(dir, 'records.jsonl');
  writeFileSync(file, records.map((record) => JSON.stringify(record)).join('\n'));
  await connection.run(
    `CREATE OR REPLACE TEMP VIEW stream AS SELECT * FROM read_json('${file}', format = 'newline_delimited', sample_size = -1)`,
  );
  const reader = await connection.runAndReadAll(sql);
  return reader
    .getRowsJS()
    .map((row) => row.map((value) => (typeof value === 'bigint' ? Number(value) : value)));
}

async function aggregated(sql: string, name: string, schema: object, records: Record<string, unknown>[]) {
  const pipeline = pipelineFor(sql, name, schema);
  const query: CompiledQuery = compilePipelineQuery(pipeline.config, pipeline.recordSchema);
  const sink = memorySink();
  const streamed: StreamedRecord[] = records.map((object, index) => ({
    object,
    shard: 0,
    arrival: T0 + index,
  }));
  await drive(createWindowAggregator(pipeline, { sink }), streamed, {
    windowSeconds: 60,
    maxBatch: 25,
    seed: 5,
  });
  return { query, rows: sink.rows.map((row) => query.outputs.map((output) => row[output.name])) };
}

const byFirst = (rows: unknown[][]): unknown[][] =>
  [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe('the KDA guide queries give DuckDB results', () => {
  it.each([
    [
      'tumbling-window-concepts: Ticker_Symbol over TICKER_SYMBOL',
      'SELECT Ticker_Symbol, MIN(Price) AS Min_Price, MAX(Price) AS Max_Price FROM stream GROUP BY Ticker_Symbol',
      'stocks',
      STOCK_SCHEMA,
      STOCKS,
      TICKERS.length,
    ],
    [
      "app-tworecordtypes: WHERE recordtype = 'Trade' over RecordType, trades counted by ticker",
      "SELECT tticker, COUNT(*) AS trade_count, SUM(tprice) AS total FROM stream WHERE recordtype = 'Trade' GROUP BY tticker",
      'orders',
      ORDERS_SCHEMA,
      ORDERS_AND_TRADES,
      3,
    ],
    [
      'app-tworecordtypes: the Order_Pump filter, orders by ticker',
      "SELECT oticker, COUNT(*) AS orders, MAX(oprice) AS top FROM stream WHERE recordtype = 'Order' GROUP BY oticker",
      'orders',
      ORDERS_SCHEMA,
      ORDERS_AND_TRADES,
      3,
    ],
  ] as const)('%s', async (_name, sql, name, schema, records, groups) => {
    // Act
    const expected = await duckdb(sql, records);
    const { rows } = await aggregated(sql, name, schema, records);

    // Assess: as many groups as the data has, no NULL group, equal to DuckDB row for row.
    expect(expected).toHaveLength(groups);
    expect(rows.every((row) => row.every((value) => value !== null && value !== undefined))).toBe(true);
    expect(byFirst(rows)).toEqual(byFirst(expected));
  });

  it("names the emitted columns after the fields (the records' spelling) unless aliased", async () => {
    const { query } = await aggregated(
      'SELECT ticker_symbol, max(price) FROM stream GROUP BY ticker_symbol',
      'stocks',
      STOCK_SCHEMA,
      STOCKS.slice(0, 5),
    );
    expect(query.outputs.map((output) => output.name)).toEqual(['TICKER_SYMBOL', 'max_PRICE']);
  });
});

describe('identifier rule: unquoted ignore case, quoted match exactly', () => {
  const compile = (sql: string, schema: object = STOCK_SCHEMA) => {
    const pipeline = pipelineFor(sql, 'rule', schema);
    return compilePipelineQuery(pipeline.config, pipeline.recordSchema);
  };
  const problems = (sql: string, schema: object = STOCK_SCHEMA): string => {
    try {
      pipelineFor(sql, 'rule', schema);
    } catch (error) {
      if (error instanceof PipelineConfigError) return error.message;
      throw error;
    }
    throw new Error(`the pipeline loaded: ${sql}`);
  };
  const NESTED = {
    type: 'object',
    properties: {
      Device: { type: 'object', properties: { Type: { type: 'string' }, OS: { type: 'string' } } },
      tags: { type: 'object' },
      Kind: { type: 'string' },
      kind: { type: 'string' },
      count: { type: 'integer' },
    },
  };

  it.each([
    ['SELECT "TICKER_SYMBOL", COUNT(*) FROM stream GROUP BY "TICKER_SYMBOL"', ['TICKER_SYMBOL']],
    ['SELECT ticker_symbol, COUNT(*) FROM STREAM GROUP BY TICKER_symbol', ['TICKER_SYMBOL']],
    ['SELECT S.sector, COUNT(*) FROM stream AS s GROUP BY s.Sector', ['SECTOR']],
    ['SELECT stream.Sector, COUNT(*) FROM "stream" GROUP BY STREAM.SECTOR', ['SECTOR']],
  ])('%s reads %j', (sql, path) => {
    expect(compile(sql).groups.map((group) => group.path)).toEqual([path]);
  });

  it.each([
    ['SELECT device.type, COUNT(*) FROM stream GROUP BY device.type', ['Device', 'Type']],
    ['SELECT "Device".os, COUNT(*) FROM stream GROUP BY "Device".os', ['Device', 'OS']],
    ['SELECT "Kind", COUNT(*) FROM stream GROUP BY "Kind"', ['Kind']],
    ['SELECT "kind", COUNT(*) FROM stream GROUP BY "kind"', ['kind']],
    // An object without properties may hold any key: the rest of the path is read as written.
    ['SELECT tags.Env, COUNT(*) FROM stream GROUP BY TAGS.Env', ['tags', 'Env']],
  ])('nested, exact and open fields: %s reads %j', (sql, path) => {
    expect(compile(sql, NESTED).groups.map((group) => group.path)).toEqual([path]);
  });

  it.each([
    [
      'SELECT Tickr_Symbol, COUNT(*) FROM stream GROUP BY Tickr_Symbol',
      STOCK_SCHEMA,
      /column Tickr_Symbol is not a field of the record schema \(.*\); did you mean TICKER_SYMBOL\?/,
    ],
    [
      "SELECT COUNT(*) FROM stream WHERE sectr = 'ENERGY'",
      STOCK_SCHEMA,
      /WHERE: column sectr is not a field .*did you mean SECTOR\?/,
    ],
    ['SELECT MAX(prize) FROM stream', STOCK_SCHEMA, /SELECT: column prize .*did you mean PRICE\?/],
    [
      'SELECT "Ticker_Symbol", COUNT(*) FROM stream GROUP BY "Ticker_Symbol"',
      STOCK_SCHEMA,
      /column "Ticker_Symbol" is not a field .*did you mean TICKER_SYMBOL\? \(quoted names match exactly\)/,
    ],
    [
      'SELECT COUNT(*) FROM stream WHERE volume > 3',
      STOCK_SCHEMA,
      /column volume is not a field .*; the fields are TICKER_SYMBOL, SECTOR, CHANGE, PRICE/,
    ],
    [
      'SELECT device.typo, COUNT(*) FROM stream GROUP BY device.typo',
      NESTED,
      /column device\.typo is not a field of Device in the record schema .*did you mean Type\?/,
    ],
    [
      'SELECT kind, COUNT(*) FROM stream GROUP BY kind',
      NESTED,
      /column kind is ambiguous: the record schema .* has fields Kind and kind, which differ only in case; quote the one you mean/,
    ],
    ['SELECT count.x, COUNT(*) FROM stream GROUP BY count.x', NESTED, /count is not an object/],
  ])('refuses %s when the pipeline loads', (sql, schema, message) => {
    expect(problems(sql, schema)).toMatch(new RegExp(`analytics\\.sql: .*${message.source}`));
  });

  it('checks the columns the transformed records have: a renamed field under its new name', () => {
    const sql = 'SELECT Visit, COUNT(*) FROM stream GROUP BY Visit';
    const yaml = (records: string) =>
      [`sql: ${JSON.stringify(sql)}`, 'sink: { type: kinesis, stream: results }', `records: ${records}`].join(
        '\n',
      );
    const extra = 'transforms:\n  - rename: { from: session_id, to: visit }';
    const pipeline = pipelineWith(yaml('transformed'), extra);
    expect(compilePipelineQuery(pipeline.config, pipeline.recordSchema).groups[0]!.path).toEqual(['visit']);
    expect(() => pipelineWith(yaml('validated'), extra)).toThrow(
      /column Visit is not a field of the record schema/,
    );
  });
});

describe('Kinesis Data Analytics syntax is refused with what to write instead', () => {
  const GUIDE_QUERY = `SELECT STREAM ROWTIME,
              Ticker_Symbol,
              MIN(Price) AS Price,
              MAX(Price) AS Price
FROM     "SOURCE_SQL_STREAM_001"
GROUP BY Ticker_Symbol,
         STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '60' SECOND);`;

  it.each([
    [
      GUIDE_QUERY,
      /SELECT: SELECT STREAM is Kinesis Data Analytics syntax; .*leave out STREAM and write SELECT <columns>/,
    ],
    [
      "SELECT STREAM tticker, count(*) as trade_count FROM stream WHERE recordtype = 'Trade' GROUP BY tticker",
      /SELECT STREAM is Kinesis Data Analytics syntax/,
    ],
    [
      "SELECT Ticker_Symbol, MIN(Price) FROM stream GROUP BY Ticker_Symbol, STEP(stream.ROWTIME BY INTERVAL '60' SECOND)",
      /GROUP BY: STEP\(\.\.\. ROWTIME \.\.\.\) .* are Kinesis Data Analytics syntax; leave them out: .*tumblingWindowInSeconds/,
    ],
    [
      'CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT Ticker_Symbol FROM stream',
      /in-application streams and pumps .* write only the SELECT, and configure where its rows go with analytics\.sink/,
    ],
    [
      'SELECT ROWTIME, COUNT(*) FROM stream GROUP BY ROWTIME',
      /column ROWTIME is not a field: ROWTIME is Kinesis Data Analytics' row time; .*window_start and window_end/,
    ],
    [
      'SELECT COUNT(*) FROM "SOURCE_SQL_STREAM_001"',
      /FROM: the source must be stream \(the Kinesis stream the function reads\), got "SOURCE_SQL_STREAM_001"/,
    ],
  ])('%s', (sql, message) => {
    expect(() => compilePipelineQuery(pipelineFor(sql, 'kda', STOCK_SCHEMA).config, STOCK_SCHEMA)).toThrow(
      message,
    );
  });

  it.each([
    // A field named stream, a qualified column, and quotes or comments that mention SELECT STREAM, are not KDA syntax.
    ['SELECT stream, COUNT(*) FROM stream GROUP BY stream', ['stream']],
    ['SELECT "stream" AS s, COUNT(*) FROM stream GROUP BY "stream"', ['stream']],
    [
      "SELECT stream.SECTOR, COUNT(*) FROM stream WHERE sector <> 'SELECT STREAM x' GROUP BY stream.SECTOR",
      ['SECTOR'],
    ],
    ['SELECT sector, COUNT(*) FROM stream /* was: SELECT STREAM sector */ GROUP BY sector', ['SECTOR']],
  ])('accepts %s', (sql, path) => {
    const schema = {
      ...STOCK_SCHEMA,
      properties: { ...STOCK_SCHEMA.properties, stream: { type: 'string' } },
    };
    const pipeline = pipelineFor(sql, 'not-kda', schema);
    expect(compilePipelineQuery(pipeline.config, pipeline.recordSchema).groups[0]!.path).toEqual(path);
  });
});
