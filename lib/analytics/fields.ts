/**
 * The fields the query may name, from the record schema, and how a written column finds its field. Unquoted
 * names match case-insensitively (Kinesis Data Analytics folds them to upper case and its guide writes
 * `Ticker_Symbol` over `TICKER_SYMBOL`; DuckDB and Athena ignore case too); quoted names match exactly. So the
 * query compiles to exact JSON keys once, and records are read without any per-record case folding.
 */
import { closest, distance } from 'fastest-levenshtein';
import type { AnalyticsPipeline } from './config';
import type { TransformStep } from '../transform';
import { AnalyticsSqlError } from './expressions';
import { kdaColumnHint, sameName, type Identifier } from './identifiers';

/** A field: its named children (objects), and whether it may hold keys the schema does not list. */
export interface FieldNode {
  children: Map<string, FieldNode>;
  /** An object without `properties` (or with patternProperties / an additionalProperties schema). */
  open: boolean;
}

export interface FieldCatalogue {
  root: FieldNode;
  /** Where the fields come from, for messages: `the record schema (schemas/x.schema.json)`. */
  source: string;
}

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const VALUE: FieldNode = Object.freeze({ children: new Map<string, FieldNode>(), open: false }) as FieldNode;

const BRANCHES = ['allOf', 'anyOf', 'oneOf'] as const;

function resolveRef(schema: Schema, root: Schema): Schema | undefined {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    node = isObject(node) ? node[part.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  }
  return isObject(node) ? node : undefined;
}

function typesOf(schema: Schema): string[] | undefined {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((item): item is string => typeof item === 'string') : undefined;
}

/** The schema and every subschema whose properties a record may have (nested allOf/anyOf/oneOf, then/else). */
function branches(schema: Schema, root: Schema, into: (Schema | undefined)[], depth: number): void {
  const resolved = resolveRef(schema, root);
  into.push(resolved);
  if (resolved === undefined || depth > 8) return;
  for (const key of BRANCHES) {
    const list = resolved[key];
    if (Array.isArray(list))
      for (const part of list) if (isObject(part)) branches(part, root, into, depth + 1);
  }
  for (const key of ['then', 'else'] as const) {
    const part = resolved[key];
    if (isObject(part)) branches(part, root, into, depth + 1);
  }
}

function readNode(input: unknown, root: Schema, depth: number): FieldNode {
  if (!isObject(input) || depth > 32) return { children: new Map(), open: true };
  const schema = resolveRef(input, root);
  if (schema === undefined) return { children: new Map(), open: true };
  const parts: (Schema | undefined)[] = [];
  branches(schema, root, parts, 0);
  const children = new Map<string, FieldNode>();
  let listed = false;
  let open = false;
  for (const resolved of parts) {
    if (resolved === undefined) {
      open = true;
      continue;
    }
    if (isObject(resolved.properties)) {
      listed = true;
      for (const [name, child] of Object.entries(resolved.properties)) {
        if (!children.has(name)) children.set(name, readNode(child, root, depth + 1));
      }
    }
    if (isObject(resolved.patternProperties) || isObject(resolved.additionalProperties)) open = true;
  }
  if (listed) return { children, open };
  const types = typesOf(schema);
  // A value that cannot be an object has no fields; an object schema without properties may have any.
  if (types !== undefined && !types.includes('object')) return VALUE;
  return { children, open: true };
}

/** The fields a record of `schema` may have (JSON Schema `properties`, through $ref and allOf/anyOf/oneOf). */
export function schemaFields(schema: object): FieldNode {
  return readNode(schema, schema as Schema, 0);
}

/** Adds a field a transform step writes; a new one may hold anything (its type is not known here). */
function addPath(root: FieldNode, dotted: string): void {
  const parts = dotted.split('.');
  let node = root;
  parts.forEach((part, index) => {
    let child = node.children.get(part);
    if (child === undefined || (child === VALUE && index < parts.length - 1)) {
      child = { children: new Map(), open: true };
      node.children.set(part, child);
    }
    node = child;
  });
}

/**
 * The record schema's fields, plus the names `rename` and `add` steps give when the query reads transformed
 * records (the schema describes the records after transforms too; these are named in pipeline.yml anyway).
 */
export function recordFields(
  schema: object,
  transforms: readonly TransformStep[],
  transformed: boolean,
): FieldNode {
  const root = schemaFields(schema);
  if (!transformed) return root;
  for (const step of transforms) {
    if ('rename' in step) addPath(root, step.rename.to);
    else if ('add' in step) addPath(root, step.add.field);
  }
  return root;
}

function suggestion(name: string, node: FieldNode): string {
  const names = [...node.children.keys()];
  if (names.length === 0) return '';
  const lower = name.toLowerCase();
  const best = closest(
    lower,
    names.map((candidate) => candidate.toLowerCase()),
  );
  const match = names.find((candidate) => candidate.toLowerCase() === best)!;
  if (distance(lower, best) <= Math.max(2, Math.floor(name.length / 3))) return `; did you mean ${match}?`;
  const shown = names.slice(0, 12).join(', ');
  return `; the fields are ${shown}${names.length > 12 ? `, ... (${names.length})` : ''}`;
}

/**
 * The exact path a written column reads. Fails, naming the clause, for a name the fields do not have (with the
 * closest one) and for an unquoted name that matches several fields differing only in case.
 */
export function resolveColumn(
  catalogue: FieldCatalogue | undefined,
  segments: Identifier[],
  clause: string,
): string[] {
  if (catalogue === undefined) return segments.map((segment) => segment.name);
  const path: string[] = [];
  let node = catalogue.root;
  for (const [index, segment] of segments.entries()) {
    const matches = [...node.children.keys()].filter((name) => sameName(segment, { name, quoted: false }));
    const written = segments.map((part) => (part.quoted ? JSON.stringify(part.name) : part.name)).join('.');
    const where = path.length === 0 ? catalogue.source : `${path.join('.')} in ${catalogue.source}`;
    if (matches.length > 1) {
      throw new AnalyticsSqlError(
        clause,
        `column ${written} is ambiguous: ${where} has fields ${matches.join(' and ')}, which differ only in` +
          ` case; quote the one you mean, e.g. "${matches[0]}" (quoted names match exactly)`,
      );
    }
    if (matches.length === 1) {
      path.push(matches[0]!);
      node = node.children.get(matches[0]!)!;
      continue;
    }
    // A field the schema leaves open (an object without properties) may hold any key: read it as written.
    if (node.open) return [...path, ...segments.slice(index).map((part) => part.name)];
    const kda = index === 0 ? kdaColumnHint(segment.name) : undefined;
    if (kda !== undefined) throw new AnalyticsSqlError(clause, `column ${written} is not a field: ${kda}`);
    if (node.children.size === 0 && path.length > 0) {
      throw new AnalyticsSqlError(
        clause,
        `column ${written}: ${path.join('.')} is not an object in ${catalogue.source}`,
      );
    }
    const exact = segment.quoted ? ' (quoted names match exactly)' : '';
    throw new AnalyticsSqlError(
      clause,
      `column ${written} is not a field of ${where}${suggestion(segment.name, node)}${exact}`,
    );
  }
  return path;
}

/** The fields the pipeline's `analytics.sql` may name: the record schema's, as the query reads the records. */
export function analyticsFields(config: AnalyticsPipeline['config'], recordSchema: object): FieldCatalogue {
  const transformed = (config.analytics?.records ?? 'transformed') === 'transformed';
  return {
    root: recordFields(recordSchema, config.transforms, transformed),
    source: `the record schema (${config.record.schema})`,
  };
}
