/**
 * The analytics query, parsed with node-sql-parser (PostgreSQL dialect: double-quoted identifiers,
 * single-quoted strings, as DuckDB and Athena read them) and compiled once into group-key readers, aggregate
 * accumulators and a WHERE predicate. Anything outside the supported shape is refused with the clause named:
 *
 *   SELECT <group columns>, COUNT(*) | COUNT(x) | COUNT(DISTINCT x) | SUM(x) | AVG(x) | MIN(x) | MAX(x)
 *   FROM stream [WHERE <predicate>] [GROUP BY <columns>]
 */
import type { Parser } from 'node-sql-parser/build/postgresql';
import type { AggregateFunction, DistinctOptions } from './aggregates';
import { AnalyticsSqlError, columnPath, compilePredicate, functionName, type AstNode } from './expressions';
import { murmur3 } from './hyperloglog';
import { compilePlan, type CompiledQuery, type OutputColumn, type QueryPlan } from './plan';

export { AnalyticsSqlError } from './expressions';
export type { AggregateColumn, CompiledQuery, GroupColumn, OutputColumn, QueryPlan } from './plan';

/** The only source name: the Kinesis stream the function is attached to. */
export const SOURCE_TABLE = 'stream';

/** Names the emitted rows use besides the query's columns. */
export const RESERVED_COLUMNS = ['window_start', 'window_end', 'shard_id', 'part', 'complete'] as const;

export const DISTINCT_DEFAULTS: Readonly<DistinctOptions> = { exactLimit: 256, precision: 12 };

let parser: Parser | undefined;

/**
 * Loaded on first use: the pipeline loader (in every function) compiles the query to check it, but requiring
 * the parser costs ~60 ms, which only pipelines with an `analytics:` block should pay.
 */
function sqlParser(): Parser {
  if (!parser) {
    type Module = typeof import('node-sql-parser/build/postgresql');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose, see above
    const sqlModule = require('node-sql-parser/build/postgresql') as Module;
    parser = new sqlModule.Parser();
  }
  return parser;
}

function isNode(value: unknown): value is AstNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

interface PegSyntaxError {
  message: string;
  found?: string | null;
  location?: { start: { line: number; column: number } };
}

function parse(sql: string): AstNode {
  let ast: unknown;
  try {
    ast = sqlParser().astify(sql);
  } catch (error) {
    const { location, found } = error as PegSyntaxError;
    const where = location ? ` at line ${location.start.line}, column ${location.start.column}` : '';
    const near = found ? ` near ${JSON.stringify(found)}` : '';
    throw new AnalyticsSqlError('syntax', `the query does not parse${where}${near}`);
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  if (statements.length !== 1) {
    throw new AnalyticsSqlError('statement', `one SELECT statement expected, got ${statements.length}`);
  }
  const statement = statements[0] as AstNode;
  if (statement.type !== 'select') {
    throw new AnalyticsSqlError(
      'statement',
      `only SELECT is supported, got ${String(statement.type).toUpperCase()}`,
    );
  }
  return statement;
}

/** Clauses the aggregator has no meaning for, each with the hint given when it is used. */
const UNSUPPORTED_CLAUSES: Record<
  string,
  { clause: string; present: (value: unknown) => boolean; hint: string }
> = {
  with: { clause: 'WITH', present: Boolean, hint: 'common table expressions are not supported' },
  _next: { clause: 'UNION', present: Boolean, hint: 'set operations are not supported' },
  set_op: { clause: 'UNION', present: Boolean, hint: 'set operations are not supported' },
  options: { clause: 'SELECT', present: Boolean, hint: 'select options are not supported' },
  distinct: {
    clause: 'SELECT DISTINCT',
    present: (value) => isNode(value) && Boolean(value.type),
    hint: 'not supported; GROUP BY already yields one row per group',
  },
  into: {
    clause: 'INTO',
    present: (value) =>
      isNode(value) && Object.values(value).some((part) => part !== null && part !== undefined),
    hint: 'results go to the sink configured in pipeline.yml',
  },
  having: { clause: 'HAVING', present: Boolean, hint: 'not supported; filter the emitted rows downstream' },
  orderby: { clause: 'ORDER BY', present: Boolean, hint: 'not supported; rows are emitted per group' },
  limit: {
    clause: 'LIMIT',
    present: (value) => isNode(value) && Array.isArray(value.value) && value.value.length > 0,
    hint: 'not supported',
  },
  window: {
    clause: 'WINDOW',
    present: Boolean,
    hint: 'the window is tumblingWindowInSeconds in pipeline.yml',
  },
  qualify: { clause: 'QUALIFY', present: Boolean, hint: 'not supported' },
};

const HANDLED_KEYS = new Set([
  'type',
  'columns',
  'from',
  'where',
  'groupby',
  'loc',
  'collate',
  'locking_read',
]);

function refuseUnsupportedClauses(statement: AstNode): void {
  for (const [key, value] of Object.entries(statement)) {
    if (value === null || value === undefined || HANDLED_KEYS.has(key)) continue;
    const rule = UNSUPPORTED_CLAUSES[key];
    if (!rule) throw new AnalyticsSqlError(key.toUpperCase(), 'not supported');
    if (rule.present(value)) throw new AnalyticsSqlError(rule.clause, rule.hint);
  }
}

/** FROM names the one source, `stream`; returns the names a column may be qualified with. */
function sourceNames(from: unknown): Set<string> {
  if (!Array.isArray(from) || from.length === 0) {
    throw new AnalyticsSqlError('FROM', `the query must read FROM ${SOURCE_TABLE}`);
  }
  const joined = from.find((item) => isNode(item) && item.join);
  if (joined) throw new AnalyticsSqlError('JOIN', 'joins are not supported; the query reads one stream');
  if (from.length > 1)
    throw new AnalyticsSqlError('FROM', `one source expected (${SOURCE_TABLE}), got ${from.length}`);
  const source = from[0] as AstNode;
  if (isNode(source.expr)) throw new AnalyticsSqlError('FROM', 'subqueries are not supported');
  if (source.db || source.schema)
    throw new AnalyticsSqlError('FROM', 'qualified table names are not supported');
  if (source.table !== SOURCE_TABLE) {
    throw new AnalyticsSqlError(
      'FROM',
      `the source must be ${SOURCE_TABLE}, got ${JSON.stringify(source.table)}`,
    );
  }
  const names = new Set([SOURCE_TABLE]);
  if (typeof source.as === 'string' && source.as !== '') names.add(source.as);
  return names;
}

function pathKey(path: readonly string[]): string {
  return JSON.stringify(path);
}

function groupColumns(groupby: unknown, tableNames: ReadonlySet<string>): string[][] {
  if (groupby === null || groupby === undefined) return [];
  const columns = Array.isArray(groupby) ? groupby : isNode(groupby) ? groupby.columns : undefined;
  if (!Array.isArray(columns)) return [];
  const seen = new Map<string, string[]>();
  for (const column of columns as unknown[]) {
    if (!isNode(column) || column.type !== 'column_ref') {
      const what = isNode(column) && column.type === 'number' ? 'positions (GROUP BY 1)' : 'expressions';
      throw new AnalyticsSqlError('GROUP BY', `${what} are not supported; name the columns`);
    }
    const path = columnPath(column, tableNames, 'GROUP BY');
    seen.set(pathKey(path), path);
  }
  return [...seen.values()];
}

const AGGREGATES: Record<string, AggregateFunction> = {
  COUNT: 'count',
  SUM: 'sum',
  AVG: 'avg',
  MIN: 'min',
  MAX: 'max',
};

function aliasOf(item: AstNode): string | undefined {
  const as = item.as;
  if (typeof as === 'string' && as !== '') return as;
  if (isNode(as) && typeof as.value === 'string' && as.value !== '') return as.value;
  return undefined;
}

interface AggregateSpec {
  fn: AggregateFunction;
  label: string;
  path: string[] | undefined;
  defaultName: string;
}

function aggregateSpec(expr: AstNode, tableNames: ReadonlySet<string>): AggregateSpec {
  const name = String(expr.name).toUpperCase();
  const base = AGGREGATES[name];
  if (!base) {
    throw new AnalyticsSqlError(
      'SELECT',
      `aggregate ${name} is not supported (use COUNT, COUNT(DISTINCT), SUM, AVG, MIN or MAX)`,
    );
  }
  if (expr.over) throw new AnalyticsSqlError('OVER', 'window functions are not supported');
  if (expr.filter) throw new AnalyticsSqlError('FILTER', 'aggregate filters are not supported; use WHERE');
  const args = isNode(expr.args) ? expr.args : {};
  if (args.orderby) throw new AnalyticsSqlError('SELECT', `ORDER BY inside ${name} is not supported`);
  const distinct = Boolean(args.distinct);
  if (distinct && base !== 'count') {
    throw new AnalyticsSqlError(
      'SELECT',
      `${name}(DISTINCT ...) is not supported; only COUNT(DISTINCT x) is`,
    );
  }
  const argument = args.expr;
  if (isNode(argument) && argument.type === 'star') {
    if (base !== 'count' || distinct) throw new AnalyticsSqlError('SELECT', `${name}(*) is not supported`);
    return { fn: 'count', label: 'COUNT(*)', path: undefined, defaultName: 'count' };
  }
  if (!isNode(argument) || argument.type !== 'column_ref') {
    throw new AnalyticsSqlError('SELECT', `${name} takes one column (expressions are not supported)`);
  }
  const path = columnPath(argument, tableNames, 'SELECT');
  const fn: AggregateFunction = distinct ? 'count_distinct' : base;
  const column = path.join('.');
  return {
    fn,
    label: distinct ? `${name}(DISTINCT ${column})` : `${name}(${column})`,
    path,
    defaultName: `${distinct ? 'count_distinct' : base}_${path.join('_')}`,
  };
}

function fingerprintOf(parts: unknown): string {
  return murmur3(JSON.stringify(parts)).toString(16).padStart(8, '0');
}

function withoutLocations(node: unknown): unknown {
  return JSON.parse(JSON.stringify(node, (key, value: unknown) => (key === 'loc' ? undefined : value)));
}

export interface CompileQueryOptions {
  distinct?: Partial<DistinctOptions>;
}

/** Parses and compiles once (cold start, and `loadPipeline` to check); throws AnalyticsSqlError naming the clause. */
export function compileQuery(sql: string, options: CompileQueryOptions = {}): CompiledQuery {
  return compilePlan(planQuery(sql, options));
}

/** Parses and checks the query (throws AnalyticsSqlError naming the clause); the plan is JSON (plan.ts). */
export function planQuery(sql: string, options: CompileQueryOptions = {}): QueryPlan {
  const distinct: DistinctOptions = { ...DISTINCT_DEFAULTS, ...options.distinct };
  const statement = parse(sql);
  refuseUnsupportedClauses(statement);
  const tableNames = sourceNames(statement.from);
  const groupPaths = groupColumns(statement.groupby, tableNames);
  const groupIndex = new Map(groupPaths.map((path, index) => [pathKey(path), index]));

  const columns = Array.isArray(statement.columns) ? (statement.columns as unknown[]) : [];
  if (columns.length === 0) throw new AnalyticsSqlError('SELECT', 'no columns');
  const outputs: OutputColumn[] = [];
  const specs: AggregateSpec[] = [];
  for (const item of columns) {
    const expr = isNode(item) ? item.expr : undefined;
    if (!isNode(item) || !isNode(expr))
      throw new AnalyticsSqlError('SELECT', `unsupported column ${JSON.stringify(item)}`);
    const alias = aliasOf(item);
    if (expr.type === 'star' || (expr.type === 'column_ref' && expr.column === '*')) {
      throw new AnalyticsSqlError('SELECT', '* is not supported; name the group columns and aggregates');
    }
    if (expr.type === 'column_ref') {
      const path = columnPath(expr, tableNames, 'SELECT');
      const index = groupIndex.get(pathKey(path));
      if (index === undefined) {
        throw new AnalyticsSqlError(
          'SELECT',
          `column ${path.join('.')} must appear in GROUP BY or be used inside an aggregate`,
        );
      }
      outputs.push({ name: alias ?? path.join('_'), source: 'group', index });
    } else if (expr.type === 'aggr_func') {
      const spec = aggregateSpec(expr, tableNames);
      outputs.push({ name: alias ?? spec.defaultName, source: 'aggregate', index: specs.length });
      specs.push(spec);
    } else {
      const what =
        expr.type === 'function'
          ? `function ${functionName(expr) ?? '?'}`
          : `expression of type ${String(expr.type)}`;
      throw new AnalyticsSqlError(
        'SELECT',
        `${what} is not supported; select GROUP BY columns and COUNT/SUM/AVG/MIN/MAX aggregates`,
      );
    }
  }
  const names = new Set<string>();
  for (const { name } of outputs) {
    if ((RESERVED_COLUMNS as readonly string[]).includes(name)) {
      throw new AnalyticsSqlError(
        'SELECT',
        `${name} is reserved for the emitted rows; give the column another alias`,
      );
    }
    if (names.has(name))
      throw new AnalyticsSqlError('SELECT', `two columns are named ${name}; give one an alias (AS ...)`);
    names.add(name);
  }

  // Compiled here only to refuse what WHERE cannot hold; compilePlan compiles it for use.
  if (statement.where) compilePredicate(statement.where, tableNames);
  const where = statement.where ? (withoutLocations(statement.where) as AstNode) : null;
  return {
    sql,
    fingerprint: fingerprintOf([
      groupPaths,
      specs.map((spec) => [spec.fn, spec.path]),
      where,
      distinct.precision,
    ]),
    groups: groupPaths,
    aggregates: specs.map(({ fn, label, path }) => ({ fn, label, ...(path && { path }) })),
    outputs,
    where,
    tableNames: [...tableNames],
    distinct,
  };
}
