import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CONVERSION_ERROR_CODES, compileConversion, convertJsonLines, fileSink } from '../../../lib/parquet';
import { lines, openOracle, type Oracle } from './helpers/duckdb';

const TIMESTAMPTZ = 'TIMESTAMP WITH TIME ZONE';

/** Every mapped type, nullable and optional fields, and the constructs stored as JSON text. */
const matrixSchema = {
  type: 'object',
  required: ['id', 'name'],
  properties: {
    id: { type: 'integer' },
    big: { type: 'integer' },
    name: { type: 'string' },
    note: { type: ['string', 'null'] },
    score: { type: 'number' },
    active: { type: 'boolean' },
    seen_at: { type: 'string', format: 'date-time' },
    day: { type: 'string', format: 'date' },
    address: {
      type: 'object',
      required: ['street'],
      properties: {
        street: { type: 'string' },
        geo: { type: 'object', properties: { lat: { type: 'number' }, lon: { type: 'number' } } },
      },
    },
    tags: { type: 'array', items: { type: 'string' } },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        required: ['sku'],
        properties: { sku: { type: 'string' }, qty: { type: 'integer' } },
      },
    },
    text: { type: 'string' },
    payload: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }] },
    meta: { type: 'object' },
  },
};

const longText = 'Grüße 🦆 日本語 '.repeat(7500); // ~100 KB of UTF-8 with 4-byte characters
const matrixRecords = [
  {
    id: 1,
    big: 'BIG', // replaced by 2^53 + 1 in the text below: no double holds it
    name: 'first',
    note: 'a note',
    score: 1.5,
    active: true,
    seen_at: '2024-06-10T06:13:20.123456Z',
    day: '2024-06-10',
    address: { street: 'Main St 1', geo: { lat: 52.52, lon: 13.405 } },
    tags: ['a', 'b'],
    lines: [
      { sku: 'SKU-1', qty: 2 },
      { sku: 'SKU-2', qty: 1 },
    ],
    text: longText,
    payload: 'text',
    pair: ['x', 1],
    meta: { any: { nested: [1, 2] } },
  },
  { id: 2, name: 'nulls', note: null, address: null, tags: null, lines: null, payload: 7 },
  { id: 3, name: 'missing and empty', tags: [], lines: [], address: { street: 'Elm' } },
];
// Written as text so the integers keep all their digits.
const matrixInput = lines([
  JSON.stringify(matrixRecords[0]).replace('"big":"BIG"', '"big":9007199254740993'),
  matrixRecords[1],
  matrixRecords[2],
  '{"id": -9223372036854775808, "name": "int64 min", "big": 9223372036854775807}',
]);

let oracle: Oracle;

beforeAll(async () => {
  oracle = await openOracle();
});

afterAll(() => oracle.close());

describe('type matrix read back by DuckDB', () => {
  let file: string;

  beforeAll(async () => {
    const result = await oracle.convert(matrixSchema, [matrixInput]);
    expect(result.errors).toEqual([]);
    file = result.file;
  });

  it.each([
    ['id', 'BIGINT'],
    ['big', 'BIGINT'],
    ['name', 'VARCHAR'],
    ['note', 'VARCHAR'],
    ['score', 'DOUBLE'],
    ['active', 'BOOLEAN'],
    ['seen_at', TIMESTAMPTZ],
    ['day', 'DATE'],
    ['address', 'STRUCT(street VARCHAR, geo STRUCT(lat DOUBLE, lon DOUBLE))'],
    ['tags', 'VARCHAR[]'],
    ['lines', 'STRUCT(sku VARCHAR, qty BIGINT)[]'],
    ['text', 'VARCHAR'],
    ['payload', 'VARCHAR'],
    ['pair', 'VARCHAR'],
    ['meta', 'VARCHAR'],
  ])('column %s is %s', async (column, type) => {
    // Prepare (file written in beforeAll) / Act
    const types = await oracle.types(file);

    // Assess
    expect(types[column]).toBe(type);
  });

  it('reads the values back as written', async () => {
    // Act
    const rows = await oracle.rows(
      `SELECT id::VARCHAR AS id, big::VARCHAR AS big, name, note, score, active, epoch_us(seen_at)::VARCHAR AS seen_at,
        day::VARCHAR AS day, address, tags, lines, payload, pair, meta FROM '${file}' ORDER BY name`,
    );

    // Assess
    expect(rows).toEqual([
      {
        id: '1',
        big: '9007199254740993',
        name: 'first',
        note: 'a note',
        score: 1.5,
        active: true,
        seen_at: String(Date.UTC(2024, 5, 10, 6, 13, 20) * 1000 + 123456),
        day: '2024-06-10',
        address: { street: 'Main St 1', geo: { lat: 52.52, lon: 13.405 } },
        tags: ['a', 'b'],
        lines: [
          { sku: 'SKU-1', qty: '2' },
          { sku: 'SKU-2', qty: '1' },
        ],
        payload: '"text"',
        pair: '["x",1]',
        meta: '{"any":{"nested":[1,2]}}',
      },
      {
        id: '-9223372036854775808',
        big: '9223372036854775807',
        name: 'int64 min',
        note: null,
        score: null,
        active: null,
        seen_at: null,
        day: null,
        address: null,
        tags: null,
        lines: null,
        payload: null,
        pair: null,
        meta: null,
      },
      {
        id: '3',
        big: null,
        name: 'missing and empty',
        note: null,
        score: null,
        active: null,
        seen_at: null,
        day: null,
        address: { street: 'Elm', geo: null },
        tags: [],
        lines: [],
        payload: null,
        pair: null,
        meta: null,
      },
      {
        id: '2',
        big: null,
        name: 'nulls',
        note: null,
        score: null,
        active: null,
        seen_at: null,
        day: null,
        address: null,
        tags: null,
        lines: null,
        payload: '7',
        pair: null,
        meta: null,
      },
    ]);
  });

  it('keeps unicode and a 100 KB string intact', async () => {
    // Act
    const [row] = await oracle.rows(`SELECT text FROM '${file}' WHERE id = 1`);

    // Assess
    expect(row?.text).toBe(longText);
  });
});

describe('timestamps in every accepted format', () => {
  const schema = {
    type: 'object',
    properties: { label: { type: 'string' }, ts: { type: 'string', format: 'date-time' } },
  };
  const at = (iso: string, micros = 0): string => String(BigInt(Date.parse(iso)) * 1000n + BigInt(micros));

  it.each([
    ['ISO-8601 with Z', '"2024-06-10T06:13:20Z"', at('2024-06-10T06:13:20Z')],
    ['ISO-8601 with microseconds', '"2024-06-10T06:13:20.123456Z"', at('2024-06-10T06:13:20Z', 123456)],
    [
      'ISO-8601 with nanoseconds (truncated)',
      '"2024-06-10T06:13:20.123456789Z"',
      at('2024-06-10T06:13:20Z', 123456),
    ],
    ['ISO-8601 with an offset', '"2024-06-10T08:13:20.5+02:00"', at('2024-06-10T06:13:20.500Z')],
    ['ISO-8601 with a negative offset', '"2024-06-10T01:13:20-0500"', at('2024-06-10T06:13:20Z')],
    ['yyyy-M-d HH:mm:ss (UTC)', '"2024-6-9 7:05:03"', at('2024-06-09T07:05:03Z')],
    ['yyyy-M-d HH:mm:ss.fraction', '"2024-06-10 06:13:20.25"', at('2024-06-10T06:13:20.250Z')],
    ['epoch seconds', '1718000000', at('2024-06-10T06:13:20Z')],
    ['epoch milliseconds', '1718000000123', at('2024-06-10T06:13:20.123Z')],
    ['fractional epoch seconds', '1718000000.5', at('2024-06-10T06:13:20.500Z')],
    ['epoch seconds as a string', '"1718000000"', at('2024-06-10T06:13:20Z')],
    ['before 1970', '"1969-12-31T23:59:59.999999Z"', '-1'],
  ])('%s', async (_label, json, expected) => {
    // Prepare
    const input = `{"label":"x","ts":${json}}\n`;

    // Act
    const { file, errors } = await oracle.convert(schema, [input]);
    const [row] = await oracle.rows(`SELECT epoch_us(ts)::VARCHAR AS micros FROM '${file}'`);

    // Assess
    expect(errors).toEqual([]);
    expect(row?.micros).toBe(expected);
  });

  it('rejects a form that is not among the listed timestampFormats', async () => {
    // Prepare
    const input = lines([{ ts: 1718000000 }, { ts: '2024-06-10T06:13:20Z' }]);

    // Act
    const { summary, errors } = await oracle.convert(schema, [input], { timestampFormats: ['iso8601'] });

    // Assess
    expect(summary.rowsWritten).toBe(1);
    expect(errors.map((error) => error.code)).toEqual([CONVERSION_ERROR_CODES.MalformedData]);
    expect(errors[0]?.message).toMatch(/field 'ts'.*accepted format \(iso8601\)/);
  });
});

describe('records that do not convert', () => {
  const schema = {
    type: 'object',
    required: ['id', 'ts'],
    properties: {
      id: { type: 'integer' },
      ts: { type: 'string', format: 'date-time' },
      item: { type: 'object', properties: { qty: { type: 'integer' } } },
      list: { type: 'array', items: { type: 'object', properties: { n: { type: 'number' } } } },
    },
  };
  const good = { id: 1, ts: '2024-06-10T06:13:20Z' };
  const MalformedData = CONVERSION_ERROR_CODES.MalformedData;
  const ParseError = CONVERSION_ERROR_CODES.ParseError;

  it.each([
    ['invalid JSON', '{"id": 1, "ts": ', ParseError, /record 2 is not valid JSON/],
    ['a JSON array', '[1, 2]', ParseError, /record 2 is a JSON array, not an object/],
    ['a JSON scalar', '42', ParseError, /record 2 is a JSON number, not an object/],
    [
      'a string where an integer goes',
      '{"id": "abc", "ts": "2024-06-10T06:13:20Z"}',
      MalformedData,
      /field 'id' expected an integer, got a string/,
    ],
    [
      'a fraction where an integer goes',
      '{"id": 1.5, "ts": "2024-06-10T06:13:20Z"}',
      MalformedData,
      /field 'id' expected an integer/,
    ],
    [
      'an unparsable timestamp',
      '{"id": 1, "ts": "yesterday"}',
      MalformedData,
      /field 'ts' string is not a timestamp/,
    ],
    ['an impossible date', '{"id": 1, "ts": "2024-02-30T00:00:00Z"}', MalformedData, /field 'ts'/],
    ['a missing required field', '{"id": 1}', MalformedData, /field 'ts' is required but missing/],
    [
      'null in a required field',
      '{"id": null, "ts": "2024-06-10T06:13:20Z"}',
      MalformedData,
      /field 'id' must not be null/,
    ],
    [
      'an integer beyond INT64',
      '{"id": 9223372036854775808, "ts": "2024-06-10T06:13:20Z"}',
      MalformedData,
      /field 'id' integer is outside the INT64 range/,
    ],
    [
      'a nested wrong type',
      '{"id": 1, "ts": "2024-06-10T06:13:20Z", "item": {"qty": true}}',
      MalformedData,
      /field 'item.qty' expected an integer, got a boolean/,
    ],
    [
      'a wrong type in a list element',
      '{"id": 1, "ts": "2024-06-10T06:13:20Z", "list": [{"n": 1}, {"n": "x"}]}',
      MalformedData,
      /field 'list\[1\]\.n' expected a number/,
    ],
    [
      'an object where a list goes',
      '{"id": 1, "ts": "2024-06-10T06:13:20Z", "list": {"n": 1}}',
      MalformedData,
      /field 'list' expected an array, got an object/,
    ],
  ])('%s is an error record and the rest converts', async (_label, bad, code, message) => {
    // Prepare
    const input = lines([good, bad, { ...good, id: 3 }]);

    // Act
    const { file, summary, errors } = await oracle.convert(schema, [input]);
    const rows = await oracle.rows(`SELECT id::VARCHAR AS id FROM '${file}' ORDER BY id`);

    // Assess
    expect(rows).toEqual([{ id: '1' }, { id: '3' }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toEqual({
      code,
      message: expect.stringMatching(message),
      rawData: expect.any(String),
      recordNumber: 2,
    });
    expect(Buffer.from(errors[0]?.rawData ?? '', 'base64').toString('utf8')).toBe(bad);
    expect(summary).toMatchObject({
      records: 3,
      rowsWritten: 2,
      errorRecords: 1,
      errorsByCode: { [code]: 1 },
    });
  });

  it('never echoes the value in the message', async () => {
    // Prepare
    const input = lines([{ id: 'SECRET-VALUE', ts: 'ALSO-SECRET' }, '{"id": SECRET}']);

    // Act
    const { errors } = await oracle.convert(schema, [input]);

    // Assess
    expect(errors).toHaveLength(2);
    for (const error of errors) expect(error.message).not.toMatch(/SECRET/);
  });

  it('writes a valid empty file when no record converts', async () => {
    // Act
    const { file, summary } = await oracle.convert(schema, [lines(['not json', '{"id": "x"}'])]);
    const [row] = await oracle.rows(`SELECT count(*)::INTEGER AS n FROM '${file}'`);

    // Assess
    expect(row?.n).toBe(0);
    expect(summary).toMatchObject({ rowsWritten: 0, errorRecords: 2, rowGroups: 0 });
  });
});

describe('deserializer options', () => {
  const schema = {
    type: 'object',
    required: ['user_id'],
    properties: {
      user_id: { type: 'string' },
      user_name: { type: 'string' },
      ts: { type: 'string', format: 'date-time' },
      device: { type: 'object', properties: { ua: { type: 'string' } } },
    },
  };

  it.each([
    [
      'case-insensitive keys (default)',
      {},
      { USER_ID: 'u1', User_Name: 'Ann', Device: { UA: 'Firefox' } },
      { user_id: 'u1', user_name: 'Ann', ua: 'Firefox' },
    ],
    [
      'case-sensitive keys',
      { caseInsensitive: false },
      { user_id: 'u1', User_Name: 'Ann' },
      { user_id: 'u1', user_name: null, ua: null },
    ],
    [
      'dots kept (default)',
      {},
      { user_id: 'u1', 'user.name': 'Ann' },
      { user_id: 'u1', user_name: null, ua: null },
    ],
    [
      'dots converted to underscores',
      { convertDotsInKeysToUnderscores: true },
      { user_id: 'u1', 'user.name': 'Ann' },
      { user_id: 'u1', user_name: 'Ann', ua: null },
    ],
    [
      'column to JSON key mappings, nested too',
      { columnToJsonKeyMappings: { user_name: 'login', 'device.ua': 'User-Agent' } },
      { user_id: 'u1', login: 'ann', user_name: 'ignored', device: { 'user-agent': 'Safari' } },
      { user_id: 'u1', user_name: 'ann', ua: 'Safari' },
    ],
  ])('%s', async (_label, options, record, expected) => {
    // Act
    const { file, errors } = await oracle.convert(schema, [lines([record])], options);
    const rows = await oracle.rows(`SELECT user_id, user_name, device.ua AS ua FROM '${file}'`);

    // Assess
    expect(errors).toEqual([]);
    expect(rows).toEqual([expected]);
  });

  it('refuses two keys that reach the same column once case is ignored', async () => {
    // Act
    const { summary, errors } = await oracle.convert(schema, [lines([{ user_id: 'a', USER_ID: 'b' }])]);

    // Assess
    expect(summary.rowsWritten).toBe(0);
    expect(errors[0]?.message).toMatch(
      /field 'user_id' keys 'user_id' and 'USER_ID' both map to this column/,
    );
  });
});

describe('input framing and compression', () => {
  const schema = { type: 'object', properties: { n: { type: 'integer' } } };
  const records = Array.from({ length: 5 }, (_, n) => ({ n }));

  it.each([
    ['JSON lines', lines(records)],
    ['CRLF JSON lines with blank lines', records.map((r) => JSON.stringify(r)).join('\r\n\r\n')],
    ['concatenated objects', records.map((r) => JSON.stringify(r)).join('')],
    ['pretty-printed objects', records.map((r) => JSON.stringify(r, null, 2)).join('\n')],
    ['a byte order mark', `\ufeff${lines(records)}`],
  ])('%s', async (_label, text) => {
    // Prepare: one byte per chunk, so every boundary (inside UTF-8, strings, objects) is crossed.
    const chunks = [...Buffer.from(text, 'utf8')].map((byte) => Buffer.from([byte]));

    // Act
    const { file, summary } = await oracle.convert(schema, chunks);
    const rows = await oracle.rows(`SELECT n::INTEGER AS n FROM '${file}' ORDER BY n`);

    // Assess
    expect(rows).toEqual(records);
    expect(summary).toMatchObject({ records: 5, rowsWritten: 5, inputCompression: 'none' });
  });

  it('gunzips gzip input and counts bytes in and out', async () => {
    // Prepare
    const gzipped = gzipSync(lines(records));

    // Act
    const { file, summary } = await oracle.convert(schema, [gzipped.subarray(0, 1), gzipped.subarray(1)]);
    const [row] = await oracle.rows(`SELECT count(*)::INTEGER AS n FROM '${file}'`);

    // Assess
    expect(row?.n).toBe(5);
    expect(summary).toMatchObject({
      inputCompression: 'gzip',
      bytesIn: gzipped.length,
      bytesDecompressed: Buffer.byteLength(lines(records)),
      bytesOut: readFileSync(file).length,
    });
  });

  it('rejects a corrupt gzip stream', async () => {
    // Prepare
    const gzipped = gzipSync(lines(records));
    const corrupt = Buffer.concat([gzipped.subarray(0, 12), Buffer.alloc(20, 0xff)]);

    // Act / Assess
    await expect(oracle.convert(schema, [corrupt])).rejects.toThrow();
  });
});

describe('Parquet writer options', () => {
  const schema = { type: 'object', properties: { n: { type: 'integer' }, s: { type: 'string' } } };
  const input = lines(Array.from({ length: 2500 }, (_, n) => ({ n, s: `row ${n % 10}` })));

  it.each([
    ['SNAPPY', 1000, 3],
    ['GZIP', 2500, 1],
    ['UNCOMPRESSED', 600, 5],
  ] as const)('%s with rowGroupSize %d writes %d row groups', async (compression, rowGroupSize, groups) => {
    // Act
    const { file, summary } = await oracle.convert(schema, [input], { compression, rowGroupSize });
    const meta = await oracle.rows(
      `SELECT count(DISTINCT row_group_id)::INTEGER AS groups, min(compression) AS codec, sum(row_group_num_rows)::INTEGER / 2 AS rows
       FROM parquet_metadata('${file}')`,
    );
    const [check] = await oracle.rows(`SELECT sum(n)::VARCHAR AS total FROM '${file}'`);

    // Assess
    expect(meta).toEqual([{ groups, codec: compression, rows: 2500 }]);
    expect(summary.rowGroups).toBe(groups);
    expect(check?.total).toBe(String((2499 * 2500) / 2));
  });
});

describe('the clickstream schema', () => {
  it('converts sample events to the expected table', async () => {
    // Prepare
    const schema = JSON.parse(
      readFileSync(join(__dirname, '../../../schemas/clickstream.schema.json'), 'utf8'),
    ) as object;
    const event = {
      event_id: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
      event_type: 'purchase',
      customer_id: 'c-1',
      session_id: 's-1',
      timestamp: '2024-06-10T06:13:20.123Z',
      page: { url: 'https://shop.example.com/p/1', path: '/p/1', referrer: null },
      device: { type: 'mobile' },
      amount: 12.5,
      currency: 'EUR',
      items: [{ sku: 'SKU-1', quantity: 1, price: 12.5 }],
    };

    // Act
    const { file, errors } = await oracle.convert(schema, [
      lines([event, { ...event, event_id: 'e2', page: undefined }]),
    ]);
    const types = await oracle.types(file);
    const [row] = await oracle.rows(`SELECT items[1].sku AS sku, device.type AS device FROM '${file}'`);

    // Assess
    expect(types).toMatchObject({
      timestamp: TIMESTAMPTZ,
      items: 'STRUCT(sku VARCHAR, quantity BIGINT, price DOUBLE)[]',
    });
    expect(row).toEqual({ sku: 'SKU-1', device: 'mobile' });
    expect(errors.map((error) => error.message)).toEqual(["record 2: field 'page' is required but missing"]);
  });
});

describe('streams', () => {
  const schema = { type: 'object', properties: { n: { type: 'integer' } } };
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'kpipe-parquet-streams-'));
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('reads a gzip file stream in small chunks', async () => {
    // Prepare
    const input = join(directory, 'in.jsonl.gz');
    writeFileSync(input, gzipSync(lines(Array.from({ length: 300 }, (_, n) => ({ n })))));
    const output = join(directory, 'out.parquet');

    // Act
    const summary = await convertJsonLines(createReadStream(input, { highWaterMark: 64 }), fileSink(output), {
      conversion: compileConversion(schema, { rowGroupSize: 100 }),
      onError: () => undefined,
    });
    const [row] = await oracle.rows(
      `SELECT count(*)::INTEGER AS n, sum(n)::INTEGER AS total FROM '${output}'`,
    );

    // Assess
    expect(row).toEqual({ n: 300, total: (299 * 300) / 2 });
    expect(summary).toMatchObject({ rowsWritten: 300, rowGroups: 3, inputCompression: 'gzip' });
  });

  it('aborts the sink and leaves no file when the input fails midway', async () => {
    // Prepare
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from(lines(Array.from({ length: 50 }, (_, n) => ({ n }))));
      throw new Error('connection reset');
    }

    // Act
    const converting = convertJsonLines(failing(), fileSink(join(directory, 'out.parquet')), {
      conversion: compileConversion(schema, { rowGroupSize: 10 }),
      onError: () => undefined,
    });

    // Assess
    await expect(converting).rejects.toThrow('connection reset');
    expect(readdirSync(directory)).toEqual([]);
  });

  it('awaits an asynchronous onError before reading on', async () => {
    // Prepare
    const seen: number[] = [];
    const onError = async (error: { recordNumber: number }): Promise<void> => {
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(error.recordNumber);
    };

    // Act
    const summary = await convertJsonLines(
      ['{"n":1}\nbad\n', '{"n":"x"}\n'],
      fileSink(join(directory, 'out.parquet')),
      {
        conversion: compileConversion(schema),
        onError,
      },
    );

    // Assess
    expect(seen).toEqual([2, 3]);
    expect(summary.errorRecords).toBe(2);
  });
});
