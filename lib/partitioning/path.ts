/**
 * Dotted record paths with array indexes (`customer.id`, `items[0].sku`), parsed once into segments.
 * Lookups only follow a record's own properties, so `constructor` or `__proto__` never reach the prototype.
 */

export type PathSegment = string | number;

const SEGMENT = /^([^.[\]]+)((?:\[\d+\])*)$/;
const INDEX = /\[(\d+)\]/g;

/** Throws a message (without the field name; the caller prefixes it) when the path is malformed. */
export function parsePath(path: string): PathSegment[] {
  if (path === '') throw new Error('path is empty');
  const segments: PathSegment[] = [];
  for (const part of path.split('.')) {
    const match = SEGMENT.exec(part);
    if (match === null) {
      throw new Error(`path '${path}' is malformed: expected names separated by '.', with optional [index]`);
    }
    segments.push(match[1] as string);
    for (const index of (match[2] ?? '').matchAll(INDEX)) segments.push(Number(index[1]));
  }
  return segments;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** The value at `segments`, or undefined when any step is absent or not a container. */
export function readPath(record: unknown, segments: readonly PathSegment[]): unknown {
  let value = record;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object' || !hasOwn.call(value, segment)) return undefined;
    value = (value as Record<PathSegment, unknown>)[segment];
  }
  return value;
}

/** jq keywords cannot appear bare after `.` or as object keys in jq 1.6. */
export const JQ_KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'if',
  'then',
  'elif',
  'else',
  'end',
  'as',
  'def',
  'reduce',
  'foreach',
  'try',
  'catch',
  'label',
  'import',
  'include',
  '__loc__',
]);

const JQ_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isBareJqName(name: string): boolean {
  return JQ_IDENTIFIER.test(name) && !JQ_KEYWORDS.has(name);
}

/**
 * The same lookup as readPath in jq 1.6 syntax: `.customer|(if type=="object" then .id else null end)`.
 * Steps after the first are guarded instead of wrapped in `try`: in jq 1.6 a `try` (or `?`) also catches
 * errors raised later in the pipeline, which would hide a deliberate `error(...)` for a missing key.
 */
export function toJqPath(segments: readonly PathSegment[]): string {
  return segments
    .map((segment, index) => {
      const step =
        typeof segment === 'number'
          ? `.[${segment}]`
          : isBareJqName(segment)
            ? `.${segment}`
            : `.${JSON.stringify(segment)}`;
      if (index === 0) return step;
      const container = typeof segment === 'number' ? 'array' : 'object';
      return `|(if type=="${container}" then ${step} else null end)`;
    })
    .join('');
}
