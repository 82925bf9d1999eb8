/**
 * The analytics query, parsed with node-sql-parser (PostgreSQL dialect: double-quoted identifiers,
 * single-quoted strings, as DuckDB and Athena read them) and compiled once into group-key readers, aggregate
 * accumulators and a WHERE predicate. Anything outside the supported shape is refused with the clause named:
 *
 *   SELECT <group columns>, COUNT(*) | COUNT(x) | COUNT(DISTINCT x) | SUM(x) | AVG(x) | MIN(x) | MAX(x)
 *   FROM stream [WHERE <predicate>] [GROUP BY <columns>]
 */
import type { Parser } from 'node-sql-parser/build/postgresql';
import type { AnalyticsPipeline } from './config';
import type { AggregateFunction, DistinctOptions } from './aggregates';
import {
  AnalyticsSqlError,
  columnPath,
  compilePredicate,
  functionName,
  type AstNode,
  type Scope,
} from './expressions';
import { analyticsFields, resolveColumn, type FieldCatalogue } from './fields';
import { kdaSyntax, maskQuotedIdentifiers, sameName, type Identifier, type MaskedSql } from './identifiers';
import { murmur3 } from './hyperloglog';
import { compilePlan, resolvedColumn, type CompiledQuery, type OutputColumn, type QueryPlan } from './plan';

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

function syntaxError(error: unknown, masked: MaskedSql): AnalyticsSqlError {
  const { location, found } = error as PegSyntaxError;
  const where = location ? ` at line ${location.start.line}, column ${location.start.column}` : '';
  const near = found ? ` near ${JSON.stringify(masked.restore(found))}` : '';
  return new AnalyticsSqlError('syntax', `the query does not parse${where}${near}`);
}

function parse(sql: string, masked: MaskedSql): AstNode {
  const kda = kdaSyntax(masked);
  if (kda !== undefined) throw new AnalyticsSqlError(kda.clause, kda.message);
  let ast: unknown;
  try {
    ast = sqlParser().astify(masked.text);
  } catch (error) {
    // Positions are the query's own: the original text fails at the same place (placeholders shift columns).
    try {
      sqlParser().astify(sql);
    } catch (original) {
      throw syntaxError(original, masked);
    }
    throw syntaxError(error, masked);
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
function sourceNames(from: unknown, masked: MaskedSql): Identifier[] {
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
  const table = masked.identifier(String(source.table));
  const expected: Identifier = { name: SOURCE_TABLE, quoted: false };
  if (!sameName(table, expected)) {
    throw new AnalyticsSqlError(
      'FROM',
      `the source must be ${SOURCE_TABLE} (the Kinesis stream the function reads), got ${JSON.stringify(table.name)}`,
    );
  }
  // Qualifiers name the table itself (however FROM spelt it) or its alias as written.
  const names = [expected];
  if (typeof source.as === 'string' && source.as !== '') names.push(masked.identifier(source.as));
  return names;
}

function pathKey(path: readonly string[]): string {
  return JSON.stringify(path);
}

function groupColumns(groupby: unknown, scope: Scope): string[][] {
  if (groupby === null || groupby === undefined) return [];
  const columns = Array.isArray(groupby) ? groupby : isNode(groupby) ? groupby.columns : undefined;
  if (!Array.isArray(columns)) return [];
  const seen = new Map<string, string[]>();
  for (const column of columns as unknown[]) {
    if (!isNode(column) || column.type !== 'column_ref') {
      const what = isNode(column) && column.type === 'number' ? 'positions (GROUP BY 1)' : 'expressions';
      throw new AnalyticsSqlError('GROUP BY', `${what} are not supported; name the columns`);
    }
    const path = columnPath(column, scope, 'GROUP BY');
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

/** Output names are kept as written (quoted or not): they become JSON keys of the emitted rows. */
function aliasOf(item: AstNode, masked: MaskedSql): string | undefined {
  const as = item.as;
  if (typeof as === 'string' && as !== '') return masked.identifier(as).name;
  if (isNode(as) && typeof as.value === 'string' && as.value !== '') return masked.identifier(as.value).name;
  return undefined;
}

interface AggregateSpec {
  fn: AggregateFunction;
  label: string;
  path: string[] | undefined;
  defaultName: string;
}

function aggregateSpec(expr: AstNode, scope: Scope): AggregateSpec {
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
  const path = columnPath(argument, scope, 'SELECT');
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

/**
 * The WHERE tree the plan ships: checked here (refusals name the clause), without source positions, and each
 * column reference replaced by the field path it resolved to. No placeholder of a quoted name is left (only
 * column references hold names), so the tree is the query's meaning: equal for `Ticker_Symbol` and
 * `"TICKER_SYMBOL"` over the same field, and the same on every run.
 */
function plannedWhere(where: unknown, scope: Scope): AstNode | null {
  if (where === null || where === undefined) return null;
  const resolved = new Map<unknown, string[]>();
  compilePredicate(where, (node) => {
    const path = columnPath(node, scope, 'WHERE');
    resolved.set(node, path);
    return path;
  });
  return JSON.parse(
    JSON.stringify(where, (key, value: unknown) => {
      if (key === 'loc') return undefined;
      const path = resolved.get(value);
      return path === undefined ? value : resolvedColumn(path);
    }),
  ) as AstNode;
}

export interface CompileQueryOptions {
  distinct?: Partial<DistinctOptions>;
  /**
   * The fields the records have (lib/analytics/fields.ts, from the record schema): columns resolve against them,
   * unquoted names ignoring case, and a name they lack fails with the closest one. Without it names are read
   * as written.
   */
  fields?: FieldCatalogue;
}

/** Parses and compiles once (cold start, and `loadPipeline` to check); throws AnalyticsSqlError naming the clause. */
export function compileQuery(sql: string, options: CompileQueryOptions = {}): CompiledQuery {
  return compilePlan(planQuery(sql, options));
}

/** Parses and checks the query (throws AnalyticsSqlError naming the clause); the plan is JSON (plan.ts). */
export function planQuery(sql: string, options: CompileQueryOptions = {}): QueryPlan {
  const distinct: DistinctOptions = { ...DISTINCT_DEFAULTS, ...options.distinct };
  const masked = maskQuotedIdentifiers(sql);
  const statement = parse(sql, masked);
  refuseUnsupportedClauses(statement);
  const scope: Scope = {
    tables: sourceNames(statement.from, masked),
    identifier: (raw) => masked.identifier(raw),
    resolve: (segments, clause) => resolveColumn(options.fields, segments, clause),
  };
  const groupPaths = groupColumns(statement.groupby, scope);
  const groupIndex = new Map(groupPaths.map((path, index) => [pathKey(path), index]));

  const columns = Array.isArray(statement.columns) ? (statement.columns as unknown[]) : [];
  if (columns.length === 0) throw new AnalyticsSqlError('SELECT', 'no columns');
  const outputs: OutputColumn[] = [];
  const specs: AggregateSpec[] = [];
  for (const item of columns) {
    const expr = isNode(item) ? item.expr : undefined;
    if (!isNode(item) || !isNode(expr))
      throw new AnalyticsSqlError('SELECT', `unsupported column ${JSON.stringify(item)}`);
    const alias = aliasOf(item, masked);
    if (expr.type === 'star' || (expr.type === 'column_ref' && expr.column === '*')) {
      throw new AnalyticsSqlError('SELECT', '* is not supported; name the group columns and aggregates');
    }
    if (expr.type === 'column_ref') {
      const path = columnPath(expr, scope, 'SELECT');
      const index = groupIndex.get(pathKey(path));
      if (index === undefined) {
        throw new AnalyticsSqlError(
          'SELECT',
          `column ${path.join('.')} must appear in GROUP BY or be used inside an aggregate`,
        );
      }
      outputs.push({ name: alias ?? path.join('_'), source: 'group', index });
    } else if (expr.type === 'aggr_func') {
      const spec = aggregateSpec(expr, scope);
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

  const where = plannedWhere(statement.where, scope);
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
    distinct,
  };
}

/** The pipeline's `analytics.sql` planned, its columns resolved against the record schema (the one rule for check, run and package). */
export function planPipelineQuery(config: AnalyticsPipeline['config'], recordSchema: object): QueryPlan {
  const analytics = config.analytics;
  if (analytics === undefined) throw new Error('the pipeline has no `analytics` block');
  return planQuery(analytics.sql, {
    distinct: analytics.distinct,
    fields: analyticsFields(config, recordSchema),
  });
}

/** planPipelineQuery, compiled: what a function runs when no plan was shipped. */
export function compilePipelineQuery(
  config: AnalyticsPipeline['config'],
  recordSchema: object,
): CompiledQuery {
  return compilePlan(planPipelineQuery(config, recordSchema));
}
