import { spawnSync } from 'node:child_process';
import {
  compileKeyRules,
  jqMetadataExtractionQuery,
  type PartitioningConfig,
} from '../../../lib/partitioning';
import { MAX_JQ_KEYS, MAX_JQ_QUERY_LENGTH } from '../../../lib/partitioning/jq';

/** The guide's inline-parsing example: record fields and an epoch-seconds timestamp split into parts. */
const GUIDE_RULES: PartitioningConfig = {
  engine: 'jq',
  keys: [
    { name: 'customer_id', path: 'customer_id' },
    { name: 'device', path: 'type.device' },
    { name: 'year', timestamp: { field: 'event_timestamp', input: 'epochSeconds', pattern: 'yyyy' } },
    { name: 'month', timestamp: { field: 'event_timestamp', input: 'epochSeconds', pattern: 'MM' } },
    { name: 'day', timestamp: { field: 'event_timestamp', input: 'epochSeconds', pattern: 'dd' } },
    { name: 'hour', timestamp: { field: 'event_timestamp', input: 'epochSeconds', pattern: 'HH' } },
  ],
};
const GUIDE_RECORD = {
  type: { device: 'mobile', event: 'user_clicked_submit_button' },
  customer_id: '1234567890',
  event_timestamp: 1565382027,
  region: 'sample_region',
};

/** Covers every input kind, defaults, nested and indexed paths, and names jq cannot take bare. */
const WIDE_RULES: PartitioningConfig = {
  engine: 'jq',
  onMissingKey: 'default',
  keys: [
    { name: 'event_type', path: 'event_type', default: 'unknown' },
    { name: 'dt', timestamp: { field: 'timestamp', pattern: 'yyyy-MM-dd' } },
    { name: 'hour', timestamp: { field: 'ms', input: 'epochMillis', pattern: "HH'h'" } },
    { name: 'iso_day', timestamp: { field: 'iso', input: 'iso', pattern: 'DDD' } },
    { name: 'sku', path: 'items[1].sku' },
    { name: 'agent', path: 'user-agent.family' },
    { name: 'flag', path: 'if' },
  ],
};
const WIDE_RECORDS: Record<string, unknown>[] = [
  {
    event_type: 'click',
    timestamp: '2024-03-05T10:20:30.123Z',
    ms: 1709634030000,
    iso: '2024-03-05T10:20:30Z',
    items: [{ sku: 'a' }, { sku: 'b-2' }],
    'user-agent': { family: 'Firefox' },
    if: true,
  },
  { event_type: 7, timestamp: 1709634030, ms: '1709634030000', iso: '2024-12-31T23:59:59.999Z', if: false },
  { timestamp: '1709634030000', items: 'not-an-array', 'user-agent': 'flat' },
  { event_type: '', timestamp: null, items: [{ sku: 'only' }] },
];

describe('jqMetadataExtractionQuery', () => {
  it('builds one object member per key, in order, in jq 1.6 syntax', () => {
    // Act
    const query = jqMetadataExtractionQuery(GUIDE_RULES);
    // Assess
    expect(query.startsWith('{customer_id:((.customer_id)|')).toBe(true);
    expect(query).toContain('device:((.type|(if type=="object" then .device else null end))|');
    expect(query).toContain('strftime("%Y")');
    expect(query).toContain('strftime("%H")');
    expect(query).toContain('error("missing partition key customer_id at customer_id")');
    expect(query).not.toMatch(/\btry\b|\?/);
  });

  it('quotes names jq cannot take bare and uses defaults', () => {
    const query = jqMetadataExtractionQuery(WIDE_RULES);
    expect(query).toContain('."user-agent"|(if type=="object" then .family else null end)');
    expect(query).toContain('flag:((."if")|');
    expect(query).toContain('.items|(if type=="array" then .[1] else null end)|(if type=="object" then .sku');
    expect(query).toContain('else "unknown" end');
    expect(query).toContain('strftime("%Hh")');
  });

  it('accepts a bare list of keys', () => {
    expect(jqMetadataExtractionQuery([{ name: 'k', path: 'k', default: 'x' }])).toBe(
      '{k:((.k)|if .!="" and (type|.=="string" or .=="number" or .=="boolean") then tostring else "x" end)}',
    );
  });

  it.each<[string, PartitioningConfig, string]>([
    [
      'an arrival-time key',
      { keys: [{ name: 'hour', timestamp: { source: 'arrival', pattern: 'HH' } }] },
      'partitioning.keys[0].timestamp.source: the arrival time is not visible to jq; drop this key and put !{timestamp:...} in the prefix',
    ],
    [
      'an unpadded pattern',
      { keys: [{ name: 'm', timestamp: { field: 't', pattern: 'M' } }] },
      "partitioning.keys[0].timestamp.pattern: 'M' has no jq strftime equivalent",
    ],
    [
      'milliseconds',
      { keys: [{ name: 'm', timestamp: { field: 't', pattern: 'ss.SSS' } }] },
      "partitioning.keys[0].timestamp.pattern: 'SSS' has no jq strftime equivalent",
    ],
    [
      'a time zone other than UTC',
      { timeZone: 'Europe/Paris', keys: [{ name: 'k', path: 'k' }] },
      "partitioning.timeZone: jq strftime prints UTC only; 'Europe/Paris' needs engine 'lambda'",
    ],
    [
      `more than ${MAX_JQ_KEYS} keys`,
      {
        keys: Array.from({ length: MAX_JQ_KEYS + 1 }, (_, index) => ({
          name: `k${index}`,
          path: `k${index}`,
        })),
      },
      `partitioning.keys: must NOT have more than ${MAX_JQ_KEYS} items`,
    ],
  ])('refuses %s', (_case, rules, message) => {
    expect(() => jqMetadataExtractionQuery(rules)).toThrow(message);
  });

  it("takes its key limit from the schema (Firehose's 50); at the limit only the query length decides", () => {
    // Prepare
    const keys = Array.from({ length: MAX_JQ_KEYS }, (_, index) => ({
      name: `k${index}`,
      path: `k${index}`,
    }));

    // Act
    const act = () => jqMetadataExtractionQuery({ keys });

    // Assess
    expect(MAX_JQ_KEYS).toBe(50);
    expect(act).toThrow(
      /^partitioning\.keys: the generated jq query is \d+ characters; Firehose allows 5120/,
    );
  });

  it(`refuses a query over ${MAX_JQ_QUERY_LENGTH} characters`, () => {
    // Prepare: 40 keys with long nested paths.
    const keys = Array.from({ length: 40 }, (_, index) => ({
      name: `key_${index}`,
      path: `payload.attributes.section_${index}.value`,
    }));
    // Act / Assess
    expect(() => jqMetadataExtractionQuery({ keys })).toThrow(
      /partitioning\.keys: the generated jq query is \d+ characters; Firehose allows 5120/,
    );
  });
});

const jqVersion = spawnSync('jq', ['--version'], { encoding: 'utf8' });
const jqAvailable = jqVersion.status === 0;
const describeWithJq = jqAvailable ? describe : describe.skip;

/** Runs `query` over each record with the real jq; returns the parsed output or the error text. */
function runJq(query: string, record: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  const run = spawnSync('jq', ['-c', query], {
    input: JSON.stringify(record),
    encoding: 'utf8',
    timeout: 5000,
  });
  if (run.status !== 0) return { ok: false, error: run.stderr.trim() };
  return { ok: true, value: JSON.parse(run.stdout) };
}

describeWithJq(
  jqAvailable
    ? `the generated query run by ${jqVersion.stdout.trim()}`
    : 'the generated query (skipped: jq is not installed)',
  () => {
    it('reproduces the guide example: year=2019/month=08/day=09/hour=20', () => {
      const result = runJq(jqMetadataExtractionQuery(GUIDE_RULES), GUIDE_RECORD);
      expect(result).toEqual({
        ok: true,
        value: {
          customer_id: '1234567890',
          device: 'mobile',
          year: '2019',
          month: '08',
          day: '09',
          hour: '20',
        },
      });
    });

    it.each(WIDE_RECORDS.map((record, index) => [index, record] as const))(
      'agrees with compileKeyRules on record %i',
      (_index, record) => {
        // Prepare
        const query = jqMetadataExtractionQuery(WIDE_RULES);
        const extract = compileKeyRules(WIDE_RULES);
        // Act
        const fromJq = runJq(query, record);
        const fromRules = extract(record, { arrivalTime: new Date() });
        // Assess
        expect(fromRules.ok).toBe(true);
        expect(fromJq).toEqual({ ok: true, value: fromRules.ok ? fromRules.keys : undefined });
      },
    );

    it.each<[string, Record<string, unknown>, string]>([
      [
        'a missing key',
        { event_timestamp: 1565382027, type: { device: 'x' } },
        'missing partition key customer_id',
      ],
      ['an unreadable timestamp', { ...GUIDE_RECORD, event_timestamp: 'soon' }, "while parsing 'soon'"],
    ])('fails the record (error output on AWS) for %s under onMissingKey fail', (_case, record, message) => {
      const result = runJq(jqMetadataExtractionQuery(GUIDE_RULES), record);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toContain(message);
    });

    it('fails an ISO timestamp with a UTC offset, which jq 1.6 cannot read', () => {
      const query = jqMetadataExtractionQuery([
        { name: 'd', timestamp: { field: 't', input: 'iso', pattern: 'dd' } },
      ]);
      const result = runJq(query, { t: '2024-03-05T10:20:30+01:00' });
      expect(result).toEqual({
        ok: false,
        error: expect.stringContaining('not a UTC (Z) ISO-8601 timestamp'),
      });
    });
  },
);
