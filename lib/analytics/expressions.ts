/**
 * Row evaluation compiled once from the SQL AST: field readers for dotted paths into the JSON record, and
 * the WHERE predicate with SQL's three-valued logic (a comparison with NULL is unknown, and WHERE keeps a
 * row only when the predicate is true), so results match an SQL engine on records with missing fields.
 */
import type { JsonObject } from '../records';
import { sameName, type Identifier } from './identifiers';

/** The subset of node-sql-parser's AST this module reads; everything else is refused by name. */
export interface AstNode {
  type?: unknown;
  [key: string]: unknown;
}

/** A query the aggregator cannot run; `clause` names where (SELECT, FROM, WHERE, GROUP BY, ...). */
export class AnalyticsSqlError extends Error {
  constructor(
    readonly clause: string,
    detail: string,
  ) {
    super(`${clause}: ${detail}`);
    this.name = 'AnalyticsSqlError';
  }
}

export type FieldReader = (record: JsonObject) => unknown;
export type Truth = boolean | null;
export type Predicate = (record: JsonObject) => Truth;

function isNode(value: unknown): value is AstNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function dotted(expr: unknown, clause: string): string[] {
  if (typeof expr === 'string') return [expr];
  if (isNode(expr)) {
    if (expr.type === 'binary_expr' && expr.operator === '.') {
      return [...dotted(expr.left, clause), ...dotted(expr.right, clause)];
    }
    if (typeof expr.value === 'string') return [expr.value];
  }
  throw new AnalyticsSqlError(clause, `unsupported column reference ${JSON.stringify(expr)}`);
}

/** How names in the query are read: FROM's table and alias, placeholders of quoted names, the record's fields. */
export interface Scope {
  tables: readonly Identifier[];
  identifier(raw: string): Identifier;
  /** The exact field path a written column reads (lib/analytics/fields.ts), or an error naming the clause. */
  resolve(segments: Identifier[], clause: string): string[];
}

/**
 * `device.type`, `"device"."type"` and `stream.device.type` all read record.device.type: a leading name equal
 * to the FROM table (or its alias) is the table qualifier, as an SQL engine resolves it; the rest is a path
 * through nested objects, resolved against the record's fields by `scope.resolve`.
 */
export function columnPath(node: AstNode, scope: Scope, clause: string): string[] {
  const parts: Identifier[] = [];
  for (const qualifier of [node.db, node.schema, node.table]) {
    const name = isNode(qualifier) ? qualifier.value : qualifier;
    if (typeof name === 'string' && name !== '') parts.push(scope.identifier(name));
  }
  const column = node.column;
  const names = isNode(column) && 'expr' in column ? dotted(column.expr, clause) : dotted(column, clause);
  parts.push(...names.map((name) => scope.identifier(name)));
  if (parts.length > 1 && scope.tables.some((table) => sameName(parts[0]!, table))) parts.shift();
  if (parts.some((part) => part.name === '')) throw new AnalyticsSqlError(clause, 'empty column name');
  return scope.resolve(parts, clause);
}

function readOwn(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as JsonObject)[key] : undefined;
}

/** Missing fields and non-object parents read as null (SQL NULL). Specialised for 1 and 2 segments. */
export function fieldReader(path: readonly string[]): FieldReader {
  // Names such as `constructor` would otherwise reach Object.prototype; only they pay for hasOwn.
  const inherited = path.some((segment) => segment in Object.prototype);
  if (inherited) {
    return (record) => {
      let value: unknown = record;
      for (const segment of path) value = readOwn(value, segment);
      return value === undefined ? null : value;
    };
  }
  const [first, second] = path as [string, string];
  if (path.length === 1) {
    return (record) => {
      const value = record[first];
      return value === undefined ? null : value;
    };
  }
  if (path.length === 2) {
    return (record) => {
      const parent = record[first];
      if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return null;
      const value = (parent as JsonObject)[second];
      return value === undefined ? null : value;
    };
  }
  return (record) => {
    let value: unknown = record;
    for (const segment of path) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
      value = (value as JsonObject)[segment];
    }
    return value === undefined ? null : value;
  };
}

type Literal = string | number | boolean | null;

const LITERALS: Record<string, (value: unknown) => Literal> = {
  number: (value) => Number(value),
  single_quote_string: (value) => String(value),
  string: (value) => String(value),
  natural_string: (value) => String(value),
  bool: (value) => value === true || value === 'TRUE' || value === 'true',
  boolean: (value) => value === true || value === 'TRUE' || value === 'true',
  null: () => null,
};

function literalOf(node: AstNode): { value: Literal } | undefined {
  const convert = typeof node.type === 'string' ? LITERALS[node.type] : undefined;
  return convert ? { value: convert(node.value) } : undefined;
}

function describe(node: unknown): string {
  if (!isNode(node)) return JSON.stringify(node);
  if (node.type === 'binary_expr' || node.type === 'unary_expr') return `operator ${String(node.operator)}`;
  if (node.type === 'function') return `function ${functionName(node) ?? '?'}`;
  if (node.type === 'aggr_func') return `aggregate ${String(node.name)} (aggregates belong in SELECT)`;
  return `expression of type ${String(node.type)}`;
}

export function functionName(node: AstNode): string | undefined {
  const name = node.name;
  if (typeof name === 'string') return name.toUpperCase();
  if (isNode(name) && Array.isArray(name.name)) {
    const parts = (name.name as unknown[]).map((part) => (isNode(part) ? String(part.value) : String(part)));
    return parts.join('.').toUpperCase();
  }
  return undefined;
}

/**
 * The field path a WHERE column reference reads: by the query's scope when planning (columnPath), by the path
 * the plan stored when compiling a shipped plan (plan.ts), so compiling needs neither the schema nor the parser.
 */
export type ColumnResolver = (node: AstNode) => string[];

interface CompileContext {
  column: ColumnResolver;
  /** Field paths read, for docs and tests. */
  fields: string[][];
}

/** An operand: a column or a literal. Arithmetic and functions are refused (clause WHERE). */
function compileValue(node: unknown, context: CompileContext): FieldReader {
  if (isNode(node)) {
    if (node.type === 'column_ref') {
      const path = context.column(node);
      context.fields.push(path);
      return fieldReader(path);
    }
    const literal = literalOf(node);
    if (literal) {
      const constant = literal.value;
      return () => constant;
    }
  }
  throw new AnalyticsSqlError(
    'WHERE',
    `${describe(node)} is not supported as an operand (use a column or a literal)`,
  );
}

function literalList(node: unknown, clause: string, operator: string): Literal[] {
  if (!isNode(node) || node.type !== 'expr_list' || !Array.isArray(node.value)) {
    throw new AnalyticsSqlError(clause, `${operator} needs a list of literals`);
  }
  return (node.value as unknown[]).map((item) => {
    const literal = isNode(item) ? literalOf(item) : undefined;
    if (!literal)
      throw new AnalyticsSqlError(clause, `${operator} takes literals only, got ${describe(item)}`);
    return literal.value;
  });
}

/** -1, 0, 1, or null when either side is NULL or the types differ (no implicit casts). */
export function compareValues(a: unknown, b: unknown): number | null {
  if (a === null || b === null) return null;
  const type = typeof a;
  if (type !== typeof b || (type !== 'number' && type !== 'string' && type !== 'boolean')) return null;
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

const COMPARISONS: Record<string, (order: number) => boolean> = {
  '=': (order) => order === 0,
  '<>': (order) => order !== 0,
  '!=': (order) => order !== 0,
  '<': (order) => order < 0,
  '<=': (order) => order <= 0,
  '>': (order) => order > 0,
  '>=': (order) => order >= 0,
};

function not(truth: Truth): Truth {
  return truth === null ? null : !truth;
}

/** LIKE's `%` and `_` (no escape character, as DuckDB's default) to an anchored regular expression. */
export function likePattern(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '';
  for (const char of pattern) {
    if (char === '%') source += '[\\s\\S]*';
    else if (char === '_') source += '[\\s\\S]';
    else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'iu' : 'u');
}

type OperatorCompiler = (node: AstNode, context: CompileContext) => Predicate;

function comparison(test: (order: number) => boolean): OperatorCompiler {
  return (node, context) => {
    const left = compileValue(node.left, context);
    const right = compileValue(node.right, context);
    return (record) => {
      const order = compareValues(left(record), right(record));
      return order === null ? null : test(order);
    };
  };
}

function membership(negated: boolean): OperatorCompiler {
  return (node, context) => {
    const left = compileValue(node.left, context);
    const list = literalList(node.right, 'WHERE', negated ? 'NOT IN' : 'IN');
    const hasNull = list.includes(null);
    const values = list.filter((value) => value !== null);
    return (record) => {
      const value = left(record);
      if (value === null) return null;
      let found = false;
      for (const candidate of values) if (compareValues(value, candidate) === 0) found = true;
      const truth: Truth = found ? true : hasNull ? null : false;
      return negated ? not(truth) : truth;
    };
  };
}

function isTest(negated: boolean): OperatorCompiler {
  return (node, context) => {
    const left = compileValue(node.left, context);
    const right = isNode(node.right) ? literalOf(node.right) : undefined;
    if (!right || (right.value !== null && typeof right.value !== 'boolean')) {
      throw new AnalyticsSqlError('WHERE', 'IS takes NULL, TRUE or FALSE');
    }
    const expected = right.value;
    return (record) => {
      const value = left(record);
      const truth = expected === null ? value === null : value === expected;
      return negated ? !truth : truth;
    };
  };
}

function like(negated: boolean, caseInsensitive: boolean): OperatorCompiler {
  return (node, context) => {
    const left = compileValue(node.left, context);
    const pattern = isNode(node.right) ? literalOf(node.right) : undefined;
    if (!pattern || typeof pattern.value !== 'string') {
      throw new AnalyticsSqlError('WHERE', 'LIKE takes a string literal pattern');
    }
    const regex = likePattern(pattern.value, caseInsensitive);
    return (record) => {
      const value = left(record);
      if (typeof value !== 'string') return null;
      return regex.test(value) !== negated;
    };
  };
}

function between(negated: boolean): OperatorCompiler {
  return (node, context) => {
    const left = compileValue(node.left, context);
    const bounds = isNode(node.right) && Array.isArray(node.right.value) ? node.right.value : [];
    if (bounds.length !== 2) throw new AnalyticsSqlError('WHERE', 'BETWEEN needs two bounds');
    const low = compileValue(bounds[0], context);
    const high = compileValue(bounds[1], context);
    return (record) => {
      const value = left(record);
      const above = compareValues(value, low(record));
      const below = compareValues(value, high(record));
      const lowTruth: Truth = above === null ? null : above >= 0;
      const highTruth: Truth = below === null ? null : below <= 0;
      const truth: Truth =
        lowTruth === false || highTruth === false
          ? false
          : lowTruth === null || highTruth === null
            ? null
            : true;
      return negated ? not(truth) : truth;
    };
  };
}

const OPERATORS: Record<string, OperatorCompiler> = {
  ...Object.fromEntries(Object.entries(COMPARISONS).map(([operator, test]) => [operator, comparison(test)])),
  IN: membership(false),
  'NOT IN': membership(true),
  IS: isTest(false),
  'IS NOT': isTest(true),
  LIKE: like(false, false),
  'NOT LIKE': like(true, false),
  ILIKE: like(false, true),
  'NOT ILIKE': like(true, true),
  BETWEEN: between(false),
  'NOT BETWEEN': between(true),
};

function isLogical(node: unknown): boolean {
  if (!isNode(node) || node.type !== 'binary_expr') return false;
  const operator = String(node.operator).toUpperCase();
  return operator === 'AND' || operator === 'OR';
}

/**
 * node-sql-parser 5.4 does not give AND precedence over OR (`a OR b AND c` comes back as `(a OR b) AND c`;
 * upstream issue #1154), but it keeps the operands in source order and marks parenthesised groups. So a
 * chain of unparenthesised AND/OR nodes is read back into its source sequence here, and regrouped with SQL's
 * precedence by the caller: NOT, then AND, then OR. A parenthesised group is one operand (its own chain).
 */
export function logicalChain(node: AstNode): { operands: unknown[]; operators: ('AND' | 'OR')[] } {
  const operands: unknown[] = [];
  const operators: ('AND' | 'OR')[] = [];
  const walk = (current: unknown, root: boolean): void => {
    if (isNode(current) && isLogical(current) && (root || !current.parentheses)) {
      walk(current.left, false);
      operators.push(String(current.operator).toUpperCase() as 'AND' | 'OR');
      walk(current.right, false);
      return;
    }
    // `NOT a AND b` is (NOT a) AND b; should the parser ever wrap the chain, NOT goes back on its first operand.
    if (
      isNode(current) &&
      current.type === 'unary_expr' &&
      !current.parentheses &&
      isLogical(current.expr) &&
      !(current.expr as AstNode).parentheses
    ) {
      const inner = logicalChain(current.expr as AstNode);
      operands.push(
        { type: 'unary_expr', operator: 'NOT', expr: inner.operands[0] },
        ...inner.operands.slice(1),
      );
      operators.push(...inner.operators);
      return;
    }
    operands.push(current);
  };
  walk(node, true);
  return { operands, operators };
}

function allOf(predicates: Predicate[]): Predicate {
  if (predicates.length === 1) return predicates[0]!;
  return (record) => {
    let unknown = false;
    for (const predicate of predicates) {
      const truth = predicate(record);
      if (truth === false) return false;
      if (truth === null) unknown = true;
    }
    return unknown ? null : true;
  };
}

function anyOf(predicates: Predicate[]): Predicate {
  if (predicates.length === 1) return predicates[0]!;
  return (record) => {
    let unknown = false;
    for (const predicate of predicates) {
      const truth = predicate(record);
      if (truth === true) return true;
      if (truth === null) unknown = true;
    }
    return unknown ? null : false;
  };
}

function compileChain(node: AstNode, context: CompileContext): Predicate {
  const { operands, operators } = logicalChain(node);
  const compiled = operands.map((operand) => compilePredicateNode(operand, context));
  const disjuncts: Predicate[][] = [[compiled[0]!]];
  operators.forEach((operator, index) => {
    if (operator === 'OR') disjuncts.push([]);
    disjuncts[disjuncts.length - 1]!.push(compiled[index + 1]!);
  });
  return anyOf(disjuncts.map(allOf));
}

function compileNot(operand: unknown, context: CompileContext): Predicate {
  const inner = compilePredicateNode(operand, context);
  return (record) => not(inner(record));
}

function compilePredicateNode(node: unknown, context: CompileContext): Predicate {
  if (isNode(node)) {
    if (isLogical(node)) return compileChain(node, context);
    if (node.type === 'binary_expr') {
      const operator = String(node.operator).toUpperCase();
      const compile = OPERATORS[operator];
      if (compile) return compile(node, context);
    } else if (node.type === 'unary_expr' && String(node.operator).toUpperCase() === 'NOT') {
      if (!node.parentheses && isLogical(node.expr) && !(node.expr as AstNode).parentheses) {
        return compileChain(node, context);
      }
      return compileNot(node.expr, context);
    } else if (node.type === 'function' && functionName(node) === 'NOT') {
      // node-sql-parser reads `NOT (a IS NULL)` as a call of NOT.
      const args = isNode(node.args) && Array.isArray(node.args.value) ? node.args.value : [];
      if (args.length === 1) return compileNot(args[0], context);
    } else if (node.type === 'column_ref') {
      const read = compileValue(node, context);
      return (record) => {
        const value = read(record);
        return typeof value === 'boolean' ? value : null;
      };
    } else if (node.type === 'bool' || node.type === 'boolean') {
      const constant = literalOf(node)!.value as boolean;
      return () => constant;
    }
  }
  throw new AnalyticsSqlError('WHERE', `${describe(node)} is not supported`);
}

/** The WHERE clause as a predicate; a row is kept only when it returns true. */
export function compilePredicate(
  node: unknown,
  column: ColumnResolver,
): { predicate: Predicate; fields: string[][] } {
  const context: CompileContext = { column, fields: [] };
  return { predicate: compilePredicateNode(node, context), fields: context.fields };
}
