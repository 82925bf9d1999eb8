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
import { compilePredicate, fieldReader, type AstNode, type FieldReader, type Predicate } from './expressions';

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
  /** The WHERE tree as node-sql-parser gave it, checked, without source locations; null without WHERE. */
  where: AstNode | null;
  /** The names a column may be qualified with (`stream` and its alias). */
  tableNames: string[];
  distinct: DistinctOptions;
}

export function compilePlan(plan: QueryPlan): CompiledQuery {
  const tableNames = new Set(plan.tableNames);
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
    where: plan.where ? compilePredicate(plan.where, tableNames).predicate : undefined,
  };
}
