/**
 * Dotted paths and copy-on-write edits of one record.
 *
 * The caller's record is never edited (unless compiled with `inPlace`): the first write shallow-copies
 * the top level, and a write below it shallow-copies each object on the way down, once per record.
 * Objects that are not written stay shared with the input, so a record costs one small copy per edited
 * branch instead of a deep copy.
 */

import { FieldPathError, parseFieldPath, type PathSegment } from '../records/field-path';

export type PlainObject = Record<string, unknown>;

/** The record being transformed and which of its objects this run may edit in place. */
export interface Draft {
  record: PlainObject;
  /** Every object reachable from `record` belongs to this run (in-place mode, or after a deep copy). */
  ownsAll: boolean;
  rootOwned: boolean;
  /** Nested objects copied during this run; created on first nested write. */
  owned: Set<object> | undefined;
  /** Whether any step wrote or removed a value (callers may then reuse the record's original text). */
  changed: boolean;
}

/** A per-record problem; the executor turns it into a `failed` outcome prefixed with the step's name. */
export class StepFailure extends Error {}

/** Configuration that cannot be compiled; each issue names its field, e.g. `transforms[2].mask.saltFrom`. */
export class TransformConfigError extends Error {
  constructor(readonly issues: ReadonlyArray<{ path: string; message: string }>) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    this.name = 'TransformConfigError';
  }
}

function invalidPath(field: string, message: string): TransformConfigError {
  return new TransformConfigError([{ path: field, message }]);
}

/**
 * `a.b.c` → `['a', 'b', 'c']` by the project's one path rule (lib/records/field-path.ts); transforms edit
 * objects, so an `[index]` into an array is refused here.
 */
export function parsePath(path: unknown, field: string): string[] {
  let segments: PathSegment[];
  try {
    segments = parseFieldPath(path);
  } catch (error) {
    if (error instanceof FieldPathError) throw invalidPath(field, error.message);
    throw error;
  }
  if (segments.some((segment) => typeof segment === 'number')) {
    throw invalidPath(field, `"${String(path)}" has an [index]: transforms edit objects, not array items`);
  }
  return segments as string[];
}

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const hasOwn = Object.hasOwn;

/** The value at `segments`, or undefined; only own properties of plain objects are followed. */
export function readPath(record: PlainObject, segments: readonly string[], end = segments.length): unknown {
  let current: unknown = record;
  for (let index = 0; index < end; index += 1) {
    const segment = segments[index] as string;
    if (!isPlainObject(current) || !hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** Sets a property even when the key is `__proto__` (possible in JSON.parse output) without touching prototypes. */
export function defineValue(target: PlainObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Deep copy of a JSON value (objects and arrays; anything else is kept by reference). */
export function jsonClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(jsonClone) as T;
  if (!isPlainObject(value)) return value;
  const copy: PlainObject = {};
  for (const key of Object.keys(value)) defineValue(copy, key, jsonClone(value[key]));
  return copy as T;
}

function ownRoot(draft: Draft): PlainObject {
  if (!draft.rootOwned) {
    draft.record = { ...draft.record };
    draft.rootOwned = true;
  }
  return draft.record;
}

/** `parent[key]` (a plain object), copied first unless this run already owns it. */
function ownChild(draft: Draft, parent: PlainObject, key: string): PlainObject {
  const child = parent[key] as PlainObject;
  if (draft.ownsAll || draft.owned?.has(child)) return child;
  const copy = { ...child };
  parent[key] = copy;
  (draft.owned ??= new Set()).add(copy);
  return copy;
}

export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The editable object that holds the last segment, creating missing parents (`create`) or returning
 * undefined when one is missing. A parent that exists but is not an object is a record failure.
 */
export function writableParent(
  draft: Draft,
  segments: readonly string[],
  create: boolean,
): PlainObject | undefined {
  // Every write and removal finds its parent here, so this is where a record becomes changed.
  draft.changed = true;
  let parent = ownRoot(draft);
  for (let index = 0; index < segments.length - 1; index += 1) {
    const key = segments[index] as string;
    const value = hasOwn(parent, key) ? parent[key] : undefined;
    if (isPlainObject(value)) {
      parent = ownChild(draft, parent, key);
    } else if (value === undefined && create) {
      const created: PlainObject = {};
      parent[key] = created;
      (draft.owned ??= new Set()).add(created);
      parent = created;
    } else if (value === undefined) {
      return undefined;
    } else {
      const where = segments.slice(0, index + 1).join('.');
      throw new StepFailure(
        `cannot write "${segments.join('.')}": "${where}" is ${kindOf(value)}, not an object`,
      );
    }
  }
  return parent;
}

export function setPath(draft: Draft, segments: readonly string[], value: unknown): void {
  const parent = writableParent(draft, segments, true) as PlainObject;
  parent[segments[segments.length - 1] as string] = value;
}

/** Removes the value at `segments`; copies nothing when it is absent. Returns whether it was there. */
export function deletePath(draft: Draft, segments: readonly string[]): boolean {
  const last = segments[segments.length - 1] as string;
  const holder = readPath(draft.record, segments, segments.length - 1);
  if (!isPlainObject(holder) || !hasOwn(holder, last)) return false;
  const parent = writableParent(draft, segments, false) as PlainObject;
  delete parent[last];
  return true;
}
