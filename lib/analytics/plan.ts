/**
 * A compiled query in two halves. The plan is JSON: what sql.ts learned from the parsed and checked query
 * (group columns, aggregates, output names, the WHERE tree). `sls package` ships it in the window aggregator's
 * bundle, so the function builds its readers here, at cold start, without the SQL parser.
 */
import {
  accumulatorFactory,
  type AccumulatorFactory,
  type AggregateFunction,
  type DistinctOptions,
} from './aggregates';
import {
  AnalyticsSqlError,
  compilePredicate,
  fieldReader,
  type AstNode,
  type FieldReader,
  type Predicate,
} from './expressions';

export interface GroupColumn {
  path: string[];
  read: FieldReader;
}

export interface AggregateColumn {
  fn: AggregateFunction;
  /** As written for messages, e.g. `COUNT(DISTINCT customer_id)`. */
  label: string;
  /** Undefined for COUNT(*). */
  path: string[] | undefined;
  read: FieldReader;
  factory: AccumulatorFactory;
}

export type OutputColumn = { name: string; source: 'group' | 'aggregate'; index: number };

export interface CompiledQuery {
  sql: string;
  /** Changes when the meaning of the state changes (groups, aggregates, WHERE, sketch settings). */
  fingerprint: string;
  groups: GroupColumn[];
  aggregates: AggregateColumn[];
  /** SELECT's columns, in order, with their output names. */
  outputs: OutputColumn[];
  /** Undefined without WHERE. A row is aggregated only when it returns true. */
  where: Predicate | undefined;
}

export interface QueryPlan {
  sql: string;
  fingerprint: string;
  groups: string[][];
  /** `path` is absent for COUNT(*) (JSON has no undefined). */
  aggregates: { fn: AggregateFunction; label: string; path?: string[] }[];
  outputs: OutputColumn[];
  /**
   * The WHERE tree as node-sql-parser gave it, checked, without source locations, each column reference
   * replaced by `{ type: 'column_ref', path }`: the exact field path planning resolved (identifier rules,
   * record schema), so compiling it needs no schema; null without WHERE.
   */
  where: AstNode | null;
  distinct: DistinctOptions;
}

/** A column reference in a planned WHERE: the path it was resolved to (see QueryPlan.where). */
export function resolvedColumn(path: string[]): AstNode {
  return { type: 'column_ref', path };
}

function plannedPath(node: AstNode): string[] {
  const path = node.path;
  if (Array.isArray(path) && path.length > 0 && path.every((part) => typeof part === 'string')) return path;
  throw new AnalyticsSqlError(
    'WHERE',
    `the plan has a column reference without a resolved path (${JSON.stringify(node)}); plan the query again with planQuery (sls package does)`,
  );
}

export function compilePlan(plan: QueryPlan): CompiledQuery {
  return {
    sql: plan.sql,
    fingerprint: plan.fingerprint,
    groups: plan.groups.map((path) => ({ path, read: fieldReader(path) })),
    aggregates: plan.aggregates.map(({ fn, label, path }) => ({
      fn,
      label,
      path,
      read: path ? fieldReader(path) : () => 1,
      factory: accumulatorFactory(fn, path === undefined, plan.distinct),
    })),
    outputs: plan.outputs,
    where: plan.where ? compilePredicate(plan.where, plannedPath).predicate : undefined,
  };
}
