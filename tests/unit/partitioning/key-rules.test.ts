import { compileKeyRules, type KeyExtractionResult } from '../../../lib/partitioning';

const arrival = { arrivalTime: new Date(Date.UTC(2024, 5, 30, 23, 15, 0)) };

/** The block from pipeline.yml. */
const PIPELINE_BLOCK = {
  engine: 'lambda',
  onMissingKey: 'default',
  keys: [
    { name: 'event_type', path: 'event_type', default: 'unknown' },
    { name: 'dt', timestamp: { field: 'timestamp', pattern: 'yyyy-MM-dd' } },
  ],
};

function keysOf(result: KeyExtractionResult): Record<string, string> {
  if (!result.ok) throw new Error(`expected keys, got ${result.reason}: ${result.message}`);
  return result.keys;
}

describe('compileKeyRules: the pipeline.yml block', () => {
  const extract = compileKeyRules(PIPELINE_BLOCK);

  it.each<[Record<string, unknown>, Record<string, string>]>([
    [
      { event_type: 'click', timestamp: '2024-03-05T10:20:30.123Z' },
      { event_type: 'click', dt: '2024-03-05' },
    ],
    [
      { event_type: 'view', timestamp: 1709634030 },
      { event_type: 'view', dt: '2024-03-05' },
    ],
    [
      { event_type: 'view', timestamp: 1709634030000 },
      { event_type: 'view', dt: '2024-03-05' },
    ],
    [{ timestamp: '2024-03-05T23:30:00-02:00' }, { event_type: 'unknown', dt: '2024-03-06' }],
    [
      { event_type: '../x', timestamp: 0 },
      { event_type: '_x', dt: '1970-01-01' },
    ],
    [
      { event_type: '..', timestamp: 0 },
      { event_type: 'unknown', dt: '1970-01-01' },
    ],
    [
      { event_type: { nested: true }, timestamp: 0 },
      { event_type: 'unknown', dt: '1970-01-01' },
    ],
    [{ event_type: 'click' }, { event_type: 'click', dt: 'unknown' }],
  ])('%j -> %j', (record, expected) => {
    // Act
    const result = extract(record, arrival);
    // Assess
    expect(keysOf(result)).toEqual(expected);
  });

  it('reports an unreadable timestamp as invalid-partition-timestamp, naming the key and path', () => {
    // Act
    const result = extract({ event_type: 'click', timestamp: 'yesterday' }, arrival);
    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'invalid-partition-timestamp',
      message: "partition key 'dt' (path 'timestamp', input auto): value is not an ISO-8601 timestamp",
    });
  });
});

describe('compileKeyRules: missing keys', () => {
  const keys = [
    { name: 'customer', path: 'customer.id' },
    { name: 'country', path: 'geo.country', default: 'ZZ' },
  ];

  it.each<[string, Record<string, unknown>, Record<string, string>]>([
    ['present', { customer: { id: 'c-1' }, geo: { country: 'FR' } }, { customer: 'c-1', country: 'FR' }],
    ['own default wins', { customer: { id: 'c-1' } }, { customer: 'c-1', country: 'ZZ' }],
    [
      'null uses default',
      { customer: { id: 'c-1' }, geo: { country: null } },
      { customer: 'c-1', country: 'ZZ' },
    ],
  ])('onMissingKey fail, %s', (_case, record, expected) => {
    const extract = compileKeyRules({ onMissingKey: 'fail', keys });
    expect(keysOf(extract(record, arrival))).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['absent', {}, 'no value in the record'],
    ['parent is a string', { customer: 'c-1' }, 'no value in the record'],
    ['an object', { customer: { id: { a: 1 } } }, 'value is an object, not a string, number or boolean'],
    ['an array', { customer: { id: [1] } }, 'value is an array, not a string, number or boolean'],
    ['empty', { customer: { id: '' } }, 'value is empty after sanitisation'],
    ['only dots', { customer: { id: '...' } }, 'value is empty after sanitisation'],
  ])('onMissingKey fail, key without default %s -> missing-partition-key', (_case, record, why) => {
    // Prepare
    const extract = compileKeyRules({ onMissingKey: 'fail', keys });
    // Act
    const result = extract(record, arrival);
    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'missing-partition-key',
      message: `partition key 'customer' (path 'customer.id'): ${why}`,
    });
  });

  it('onMissingKey default substitutes defaultValue for keys without their own default', () => {
    const extract = compileKeyRules({ onMissingKey: 'default', defaultValue: 'none', keys });
    expect(keysOf(extract({}, arrival))).toEqual({ customer: 'none', country: 'ZZ' });
  });

  it("defaults to onMissingKey 'fail'", () => {
    const extract = compileKeyRules({ keys });
    expect(extract({}, arrival).ok).toBe(false);
  });

  it('does not read inherited properties (and refuses the prototype-reaching names outright)', () => {
    const extract = compileKeyRules({ keys: [{ name: 'c', path: 'toString' }] });
    expect(extract({}, arrival)).toMatchObject({ ok: false, reason: 'missing-partition-key' });
    expect(() => compileKeyRules({ keys: [{ name: 'c', path: 'constructor' }] })).toThrow(
      'partitioning.keys[0].path: "constructor" uses "constructor", which is not allowed in a path',
    );
  });
});

describe('compileKeyRules: paths, values and timestamps', () => {
  it('follows array indexes and stringifies scalars', () => {
    // Prepare
    const extract = compileKeyRules({
      keys: [
        { name: 'sku', path: 'items[1].sku' },
        { name: 'matrix', path: 'grid[0][1]' },
        { name: 'qty', path: 'items[0].qty' },
        { name: 'gift', path: 'gift' },
      ],
    });
    // Act
    const result = extract({ items: [{ qty: 3 }, { sku: 'A/B' }], grid: [[0, 7]], gift: false }, arrival);
    // Assess
    expect(keysOf(result)).toEqual({ sku: 'A_B', matrix: '7', qty: '3', gift: 'false' });
  });

  it('shortens long values with maxValueLength', () => {
    const extract = compileKeyRules({ maxValueLength: 20, keys: [{ name: 'k', path: 'k' }] });
    expect(keysOf(extract({ k: 'y'.repeat(600) }, arrival)).k).toMatch(/^y{11}_[0-9a-f]{8}$/);
  });

  it.each<[string, Record<string, unknown>, unknown, string]>([
    [
      'iso',
      { field: 'at', input: 'iso', pattern: "yyyy-MM-dd'T'HH" },
      '2024-03-05T10:20:30Z',
      '2024-03-05T10',
    ],
    ['epochSeconds', { field: 'at', input: 'epochSeconds', pattern: 'yyyyMMdd' }, '1709634030', '20240305'],
    ['epochMillis', { field: 'at', input: 'epochMillis', pattern: 'yyyy-DDD' }, 1709634030000, '2024-065'],
    ['auto (seconds)', { field: 'at', pattern: 'HH-mm' }, 1709634030, '10-20'],
    ['auto (millis)', { field: 'at', pattern: 'HH-mm' }, 1709634030000, '10-20'],
    ['auto (iso)', { field: 'at', pattern: 'HH-mm' }, '2024-03-05T10:20:00Z', '10-20'],
    ['record source', { source: 'record', field: 'at', pattern: 'MMM' }, 1709634030, 'Mar'],
  ])('timestamp key, %s', (_case, timestamp, value, expected) => {
    const extract = compileKeyRules({ keys: [{ name: 't', timestamp }] });
    expect(keysOf(extract({ at: value }, arrival))).toEqual({ t: expected });
  });

  it('formats the arrival time for source arrival, in the configured time zone', () => {
    // Prepare
    const utc = compileKeyRules({
      keys: [{ name: 'hour', timestamp: { source: 'arrival', pattern: 'yyyy-MM-dd-HH' } }],
    });
    const tokyo = compileKeyRules({
      timeZone: 'Asia/Tokyo',
      keys: [{ name: 'hour', timestamp: { source: 'arrival', pattern: 'yyyy-MM-dd-HH' } }],
    });
    // Act / Assess
    expect(keysOf(utc({}, arrival))).toEqual({ hour: '2024-06-30-23' });
    expect(keysOf(tokyo({}, arrival))).toEqual({ hour: '2024-07-01-08' });
  });

  it('uses the key default when the timestamp field is missing, and fails on a wrong kind', () => {
    // Prepare
    const extract = compileKeyRules({
      keys: [
        { name: 'dt', default: 'undated', timestamp: { field: 'at', input: 'epochMillis', pattern: 'yyyy' } },
      ],
    });
    // Act / Assess
    expect(keysOf(extract({}, arrival))).toEqual({ dt: 'undated' });
    expect(extract({ at: 'soon' }, arrival)).toEqual({
      ok: false,
      reason: 'invalid-partition-timestamp',
      message: "partition key 'dt' (path 'at', input epochMillis): value is a string, not epoch milliseconds",
    });
  });

  it('returns a fresh keys object per record', () => {
    const extract = compileKeyRules({ keys: [{ name: 'k', path: 'k' }] });
    const first = keysOf(extract({ k: 'a' }, arrival));
    const second = keysOf(extract({ k: 'b' }, arrival));
    expect([first, second]).toEqual([{ k: 'a' }, { k: 'b' }]);
  });
});

describe('compileKeyRules: configuration errors name the field', () => {
  it.each<[string, unknown, string]>([
    [
      'unknown pattern letter',
      {
        keys: [
          { name: 'a', path: 'a' },
          { name: 'dt', timestamp: { field: 't', pattern: 'yyyy-bb' } },
        ],
      },
      "partitioning.keys[1].timestamp.pattern: unknown pattern letter 'b' at position 5",
    ],
    [
      'pattern printing a slash',
      { keys: [{ name: 'dt', timestamp: { field: 't', pattern: 'yyyy/MM' } }] },
      "partitioning.keys[0].timestamp.pattern: pattern 'yyyy/MM' prints '2024/09'",
    ],
    ['no keys', { keys: [] }, 'partitioning.keys: must NOT have fewer than 1 items'],
    ['missing keys', {}, "partitioning.keys: must have required property 'keys'"],
    [
      'unknown property',
      { keys: [{ name: 'a', path: 'a', extra: 1 }] },
      'partitioning.keys[0].extra: is not an allowed',
    ],
    [
      'bad engine',
      { engine: 'sql', keys: [{ name: 'a', path: 'a' }] },
      'partitioning.engine: must be one of',
    ],
    [
      'bad name',
      { keys: [{ name: 'event-type', path: 'a' }] },
      'partitioning.keys[0].name: must match pattern',
    ],
    ['bad path', { keys: [{ name: 'a', path: 'a..b' }] }, 'partitioning.keys[0].path: must match pattern'],
    [
      'duplicate names',
      {
        keys: [
          { name: 'a', path: 'a' },
          { name: 'a', path: 'b' },
        ],
      },
      "partitioning.keys[1].name: duplicate key name 'a' (also keys[0])",
    ],
    [
      'unsafe default',
      { keys: [{ name: 'a', path: 'a', default: 'x/y' }] },
      "partitioning.keys[0].default: 'x/y' is not a safe partition value (it would become 'x_y')",
    ],
    [
      'unsafe defaultValue',
      { defaultValue: '..', keys: [{ name: 'a', path: 'a' }] },
      "partitioning.defaultValue: '..' is not a safe partition value",
    ],
    [
      'record source without field',
      { keys: [{ name: 't', timestamp: { pattern: 'yyyy' } }] },
      "partitioning.keys[0].timestamp.field: is required unless source is 'arrival'",
    ],
    [
      'arrival source with field',
      { keys: [{ name: 't', timestamp: { source: 'arrival', field: 'x', pattern: 'yyyy' } }] },
      "partitioning.keys[0].timestamp.field: has no meaning with source 'arrival'",
    ],
    [
      'bad input kind',
      { keys: [{ name: 't', timestamp: { field: 'x', input: 'rfc2822', pattern: 'yyyy' } }] },
      'partitioning.keys[0].timestamp.input: must be one of',
    ],
    [
      'bad time zone',
      { timeZone: 'Mars/Olympus', keys: [{ name: 'a', path: 'a' }] },
      'partitioning.timeZone: unknown',
    ],
    [
      'maxValueLength too small',
      { maxValueLength: 4, keys: [{ name: 'a', path: 'a' }] },
      'partitioning.maxValueLength',
    ],
    [
      'jq engine with an arrival key',
      { engine: 'jq', keys: [{ name: 't', timestamp: { source: 'arrival', pattern: 'yyyy' } }] },
      'partitioning.keys[0].timestamp.source: the arrival time is not visible to jq',
    ],
  ])('%s', (_case, config, message) => {
    expect(() => compileKeyRules(config)).toThrow(message);
  });

  it('uses the caller-given root in messages', () => {
    expect(() => compileKeyRules({ keys: [] }, 'pipelines[2].partitioning')).toThrow(
      'pipelines[2].partitioning.keys',
    );
  });
});
