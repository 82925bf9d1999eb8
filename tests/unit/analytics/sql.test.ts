import { Parser } from 'node-sql-parser/build/postgresql';
import { AnalyticsSqlError, compileQuery } from '../../../lib/analytics';
import { logicalChain, type AstNode } from '../../../lib/analytics/expressions';
import { PipelineConfigError } from '../../../lib/pipeline/load';
import { pipelineWith, sqlPipeline } from './helpers';

/** The chain of a WHERE clause as column names (or `(group)`) and operators. */
function logicalChainOf(where: string): string[] {
  const ast = new Parser().astify(`SELECT COUNT(*) FROM stream WHERE ${where}`) as unknown as AstNode;
  const { operands, operators } = logicalChain(ast.where as AstNode);
  const names = operands.map((operand) => {
    const node = operand as AstNode;
    if (node.parentheses) return '(group)';
    const left = node.left as AstNode;
    return ((left.column as AstNode).expr as AstNode).value as string;
  });
  return names.flatMap((name, index) => (index < operators.length ? [name, operators[index]!] : [name]));
}

describe('compileQuery: supported queries', () => {
  it.each([
    [
      'SELECT event_type, COUNT(*) FROM stream GROUP BY event_type',
      [['event_type', 'group']],
      ['count'],
      ['event_type', 'count'],
    ],
    [
      'SELECT device.type AS device, COUNT(DISTINCT customer_id) AS customers FROM stream GROUP BY device.type',
      [['device.type', 'group']],
      ['count_distinct'],
      ['device', 'customers'],
    ],
    [
      'SELECT "device"."type", SUM(amount), AVG(amount), MIN(amount), MAX(amount), COUNT(amount) FROM stream GROUP BY device.type',
      [['device.type', 'group']],
      ['sum', 'avg', 'min', 'max', 'count'],
      ['device_type', 'sum_amount', 'avg_amount', 'min_amount', 'max_amount', 'count_amount'],
    ],
    [
      'SELECT s.page.path, COUNT(*) AS n FROM stream s GROUP BY s.page.path',
      [['page.path', 'group']],
      ['count'],
      ['page_path', 'n'],
    ],
    ['SELECT COUNT(*) AS n FROM stream', [], ['count'], ['n']],
    [
      'SELECT a.b.c.d, COUNT(*) FROM stream GROUP BY a.b.c.d',
      [['a.b.c.d', 'group']],
      ['count'],
      ['a_b_c_d', 'count'],
    ],
  ])('%s', (sql, groups, functions, names) => {
    // Act
    const query = compileQuery(sql);

    // Assess
    expect(query.groups.map((group) => [group.path.join('.'), 'group'])).toEqual(groups);
    expect(query.aggregates.map((aggregate) => aggregate.fn)).toEqual(functions);
    expect(query.outputs.map((output) => output.name)).toEqual(names);
  });

  it('reads nested fields, missing ones as NULL, and never an inherited property', () => {
    // Prepare
    const query = compileQuery(
      'SELECT device.type, constructor, COUNT(*) FROM stream GROUP BY device.type, constructor',
    );
    const [device, inherited] = query.groups;

    // Act / Assess
    expect(device!.read({ device: { type: 'mobile' } })).toBe('mobile');
    expect(device!.read({ device: null })).toBeNull();
    expect(device!.read({ device: ['x'] })).toBeNull();
    expect(device!.read({})).toBeNull();
    expect(inherited!.read({})).toBeNull();
    expect(inherited!.read({ constructor: 'own' })).toBe('own');
  });

  it('fingerprints what the state depends on, not spelling', () => {
    // Prepare / Act
    const a = compileQuery('SELECT event_type, COUNT(*) AS n FROM stream GROUP BY event_type');
    const b = compileQuery('select  event_type,count(*)  as events from stream group by event_type');
    const c = compileQuery('SELECT event_type, SUM(amount) FROM stream GROUP BY event_type');
    const d = compileQuery('SELECT event_type, COUNT(*) AS n FROM stream GROUP BY event_type', {
      distinct: { precision: 10 },
    });

    // Assess
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
    expect(a.fingerprint).not.toBe(d.fingerprint);
  });
});

describe('compileQuery: refused queries name the clause', () => {
  it.each([
    ['SELECT event_type FROM stream GROUP BY event_type HAVING COUNT(*) > 1', 'HAVING'],
    ['SELECT event_type, COUNT(*) FROM stream GROUP BY event_type ORDER BY event_type', 'ORDER BY'],
    ['SELECT COUNT(*) FROM stream LIMIT 10', 'LIMIT'],
    ['SELECT DISTINCT event_type FROM stream', 'SELECT DISTINCT'],
    ['WITH s AS (SELECT 1) SELECT COUNT(*) FROM s', 'WITH'],
    ['SELECT COUNT(*) FROM stream UNION SELECT COUNT(*) FROM stream', 'UNION'],
    ['SELECT COUNT(*) FROM stream JOIN other ON stream.a = other.a', 'JOIN'],
    ['SELECT COUNT(*) FROM stream, other', 'FROM'],
    ['SELECT COUNT(*) FROM events', 'FROM'],
    ['SELECT COUNT(*) FROM public.stream', 'FROM'],
    ['SELECT COUNT(*) FROM (SELECT a FROM stream) q', 'FROM'],
    ['SELECT 1', 'FROM'],
    ['SELECT * FROM stream', 'SELECT'],
    ['SELECT event_type, COUNT(*) FROM stream', 'SELECT'],
    ['SELECT upper(event_type), COUNT(*) FROM stream GROUP BY event_type', 'SELECT'],
    ['SELECT amount + 1 FROM stream GROUP BY amount', 'SELECT'],
    ['SELECT MEDIAN(amount) FROM stream', 'SELECT'],
    ["SELECT STRING_AGG(event_type, ',') FROM stream", 'SELECT'],
    ['SELECT SUM(amount + 1) FROM stream', 'SELECT'],
    ['SELECT COUNT(*) FILTER (WHERE amount > 1) FROM stream', 'FILTER'],
    ['SELECT COUNT(amount) OVER () FROM stream', 'OVER'],
    ['SELECT event_type, COUNT(*) FROM stream GROUP BY 1', 'GROUP BY'],
    ['SELECT COUNT(*) FROM stream GROUP BY amount + 1', 'GROUP BY'],
    ['SELECT COUNT(*) AS window_start FROM stream', 'SELECT'],
    ['SELECT COUNT(*) AS n, SUM(amount) AS n FROM stream', 'SELECT'],
    ['SELECT COUNT(*) FROM stream WHERE amount * 2 > 10', 'WHERE'],
    ['SELECT COUNT(*) FROM stream WHERE upper(event_type) = 1', 'WHERE'],
    ['SELECT COUNT(*) FROM stream WHERE event_type IN (SELECT 1)', 'WHERE'],
    ['SELECT COUNT(*) FROM stream WHERE event_type LIKE event_type', 'WHERE'],
    ['SELECT COUNT(*) FROM stream WHERE COUNT(*) > 1', 'WHERE'],
    ['SELECT COUNT(*) FROM stream WHERE amount IS 3', 'WHERE'],
    ['SELECT COUNT(*) FROM stream; SELECT 1', 'statement'],
    ['INSERT INTO stream VALUES (1)', 'statement'],
    ['SELECT COUNT(*) FROM', 'syntax'],
    ['SELECT COUNT(*) FROM stream WHERE amount ==== 1', 'syntax'],
  ])('%s → %s', (sql, clause) => {
    // Act
    let error: unknown;
    try {
      compileQuery(sql);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(AnalyticsSqlError);
    expect((error as AnalyticsSqlError).clause).toBe(clause);
    expect((error as AnalyticsSqlError).message.startsWith(`${clause}: `)).toBe(true);
  });

  it('says where a syntax error is', () => {
    expect(() => compileQuery('SELECT COUNT(*) FROM stream WHERE amount ==== 1')).toThrow(
      /syntax: the query does not parse at line 1, column \d+/,
    );
  });
});

describe('WHERE: three-valued logic and operator precedence', () => {
  const rows: Record<string, unknown>[] = [
    { a: 1, b: 'x', c: true },
    { a: 5, b: 'y', c: false },
    { a: null, b: 'xy', c: null },
    { b: 'Zed' },
    { a: 3, b: null, c: true, d: { e: 'deep' } },
  ];

  it.each<[string, boolean[]]>([
    ['a = 1', [true, false, false, false, false]],
    ['a <> 1', [false, true, false, false, true]],
    ['a >= 3', [false, true, false, false, true]],
    ['a < 3 OR a > 4', [true, true, false, false, false]],
    ['NOT a < 3', [false, true, false, false, true]],
    ['NOT (a < 3)', [false, true, false, false, true]],
    ['a IS NULL', [false, false, true, true, false]],
    ['a IS NOT NULL', [true, true, false, false, true]],
    ['a IN (1, 3)', [true, false, false, false, true]],
    ['a NOT IN (1, 3)', [false, true, false, false, false]],
    ['a NOT IN (1, NULL)', [false, false, false, false, false]],
    ['a BETWEEN 2 AND 5', [false, true, false, false, true]],
    ['a NOT BETWEEN 2 AND 5', [true, false, false, false, false]],
    ["b LIKE 'x%'", [true, false, true, false, false]],
    ["b LIKE '_'", [true, true, false, false, false]],
    ["b NOT LIKE 'x%'", [false, true, false, true, false]],
    ["b ILIKE 'z%'", [false, false, false, true, false]],
    ["b LIKE 'a.b'", [false, false, false, false, false]],
    ['c', [true, false, false, false, true]],
    ['NOT c', [false, true, false, false, false]],
    ['c IS TRUE', [true, false, false, false, true]],
    ['c IS NOT TRUE', [false, true, true, true, false]],
    ["a = 'x'", [false, false, false, false, false]],
    ["d.e = 'deep'", [false, false, false, false, true]],
    // AND binds tighter than OR whatever node-sql-parser nests.
    ["a = 1 OR a = 5 AND b = 'x'", [true, false, false, false, false]],
    ["(a = 1 OR a = 5) AND b = 'y'", [false, true, false, false, false]],
    ["b = 'Zed' OR a IN (5) AND c = false OR a = 3", [false, true, false, true, true]],
    ['NOT c AND a = 5 OR a = 1', [true, true, false, false, false]],
    ['NOT (c AND a = 1) AND a IS NOT NULL', [false, true, false, false, true]],
    ["c OR a IS NULL AND b LIKE 'x%'", [true, false, true, false, true]],
    // NULL OR TRUE is TRUE; NULL AND FALSE is FALSE; NOT NULL is NULL.
    ['a > 2 OR c', [true, true, false, false, true]],
    ['NOT (a > 2 AND c)', [true, true, false, false, false]],
  ])('WHERE %s', (where, expected) => {
    // Prepare
    const query = compileQuery(`SELECT COUNT(*) FROM stream WHERE ${where}`);

    // Act
    const kept = rows.map((row) => query.where!(row) === true);

    // Assess
    expect(kept).toEqual(expected);
  });

  it('reads a parser-nested chain back in source order', () => {
    // node-sql-parser nests `a OR b AND c` as (a OR b) AND c: the chain must still be a, OR, b, AND, c.
    expect(logicalChainOf('a = 1 OR b = 2 AND c = 3')).toEqual(['a', 'OR', 'b', 'AND', 'c']);
    expect(logicalChainOf('a = 1 AND (b = 2 OR c = 3)')).toEqual(['a', 'AND', '(group)']);
  });
});

describe('loadPipeline checks the analytics block', () => {
  it('accepts the sample pipeline.yml block with its defaults', () => {
    // Act
    const pipeline = sqlPipeline('SELECT event_type, COUNT(*) FROM stream GROUP BY event_type');

    // Assess
    expect(pipeline.config.analytics).toMatchObject({
      tumblingWindowInSeconds: 60,
      distinct: { exactLimit: 256, precision: 12 },
      maxStateBytes: 800_000,
    });
  });

  it.each([
    [
      'an unsupported clause',
      'sql: "SELECT COUNT(*) FROM stream LIMIT 1"\nsink: { type: kinesis, stream: out }',
      /analytics\.sql: LIMIT/,
    ],
    [
      'a window too long',
      'sql: "SELECT COUNT(*) FROM stream"\ntumblingWindowInSeconds: 901\nsink: { type: kinesis, stream: out }',
      /analytics\.tumblingWindowInSeconds/,
    ],
    [
      'a window of zero',
      'sql: "SELECT COUNT(*) FROM stream"\ntumblingWindowInSeconds: 0\nsink: { type: kinesis, stream: out }',
      /analytics\.tumblingWindowInSeconds/,
    ],
    [
      'a parquet S3 sink',
      'sql: "SELECT COUNT(*) FROM stream"\nsink: { type: s3, prefix: out/, format: parquet }',
      /analytics\.sink\.format/,
    ],
    ['no sink', 'sql: "SELECT COUNT(*) FROM stream"', /analytics\.sink/],
    [
      'an unknown key',
      'sql: "SELECT COUNT(*) FROM stream"\nsink: { type: kinesis, stream: out }\nwindow: 5',
      /analytics\.window/,
    ],
    [
      'a state limit above 1 MB',
      'sql: "SELECT COUNT(*) FROM stream"\nsink: { type: kinesis, stream: out }\nmaxStateBytes: 2000000',
      /analytics\.maxStateBytes/,
    ],
  ])('refuses %s', (_name, yaml, message) => {
    // Act
    let error: unknown;
    try {
      pipelineWith(yaml);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(PipelineConfigError);
    expect((error as PipelineConfigError).problems.join('\n')).toMatch(message);
  });
});
