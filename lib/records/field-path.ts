/**
 * Record field paths, one rule wherever pipeline.yml or a command names a field (partition keys, transforms,
 * a consumer sink's partitionKeyField, the generator's partition key): names separated by `.`, each with
 * optional `[index]`s (`customer.id`, `items[0].sku`). Names that reach Object.prototype through ordinary
 * property access are refused, and lookups follow a record's own properties only, so neither a path nor a
 * record's `__proto__` key can touch a prototype.
 */

export type PathSegment = string | number;

/** Names that reach Object.prototype through ordinary property access. */
const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A name: anything but `.`, `[` and `]`. */
const NAME = '[^.\\[\\]]+';
/** An array index after a name. */
const INDEX_SUFFIX = '\\[[0-9]+\\]';

/**
 * The grammar as one JSON Schema pattern. schemas/pipeline/partitioning.schema.json (`$defs.path`) holds a
 * copy, since JSON cannot import it; tests/unit/records/field-path.test.ts keeps the two equal.
 */
export const FIELD_PATH_PATTERN = `^${NAME}(${INDEX_SUFFIX})*(\\.${NAME}(${INDEX_SUFFIX})*)*$`;

const SEGMENT = new RegExp(`^(${NAME})((?:${INDEX_SUFFIX})*)$`);
const INDEX = /\[(\d+)\]/g;

/** A path that breaks the rule; the message names the path but not the field (the caller prefixes it). */
export class FieldPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldPathError';
  }
}

/** `items[0].sku` → `['items', 0, 'sku']`; throws FieldPathError saying what is wrong. */
export function parseFieldPath(path: unknown): PathSegment[] {
  if (typeof path !== 'string' || path === '') throw new FieldPathError('must be a non-empty path');
  const segments: PathSegment[] = [];
  for (const part of path.split('.')) {
    if (part === '') throw new FieldPathError(`"${path}" has an empty segment`);
    const match = SEGMENT.exec(part);
    if (match === null) {
      throw new FieldPathError(
        `"${path}" is malformed: expected names separated by '.', each with optional [index]`,
      );
    }
    const name = match[1] as string;
    if (FORBIDDEN_SEGMENTS.has(name)) {
      throw new FieldPathError(`"${path}" uses "${name}", which is not allowed in a path`);
    }
    segments.push(name);
    for (const index of (match[2] ?? '').matchAll(INDEX)) segments.push(Number(index[1]));
  }
  return segments;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** The value at `segments`, or undefined when any step is absent or not a container (own properties only). */
export function readFieldPath(record: unknown, segments: readonly PathSegment[]): unknown {
  let value = record;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object' || !hasOwn.call(value, segment)) return undefined;
    value = (value as Record<PathSegment, unknown>)[segment];
  }
  return value;
}
