import { InexactIntegerError, isInexactInteger, stringifyJson } from './json';
import { keyNormalizer, type ColumnKind, type ColumnNode } from './schema';
import { parseDate, timestampParser, type TimestampFormat } from './timestamps';

/**
 * Record → row mapping, compiled once per schema into a tree of closures: per record there is no schema
 * walk, no option lookup and no key normalisation for keys already seen.
 */

export interface RowMappingOptions {
  caseInsensitive: boolean;
  convertDotsInKeysToUnderscores: boolean;
  timestampFormats: readonly TimestampFormat[];
}

/** A value that does not fit its column; `path` names the field (`items[2].sku`). */
export class FieldError extends Error {
  constructor(
    public path: string,
    readonly problem: string,
  ) {
    super(problem);
    this.name = 'FieldError';
  }
}

type Reader = (value: unknown) => unknown;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** Beyond this many distinct raw keys per struct (e.g. ids used as keys) stop caching their lookup. */
const KEY_CACHE_LIMIT = 4096;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value === 'bigint' ? 'number' : typeof value}`;
}

function fail(column: ColumnNode, problem: string): never {
  throw new FieldError(column.path, problem);
}

/** Whether the record came from parseJsonExact (set per record by the compiled mapper). */
interface ParseMode {
  exact: boolean;
}

function toInt64(column: ColumnNode, value: unknown, mode: ParseMode): bigint {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return BigInt(value);
    if (Number.isInteger(value)) {
      if (!mode.exact) throw new InexactIntegerError();
      // Still a float after the exact parse: 1e19 or 9007199254740993.0, already rounded in the text.
      return fail(column, 'is an integer beyond 2^53 in floating-point notation; it cannot be kept exactly');
    }
    return fail(column, 'expected an integer, got a number with a fraction');
  }
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'string' && INTEGER_TEXT.test(value)) big = BigInt(value);
  else return fail(column, `expected an integer, got ${describe(value)}`);
  if (big < INT64_MIN || big > INT64_MAX) return fail(column, 'integer is outside the INT64 range');
  return big;
}

function toDouble(column: ColumnNode, value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && NUMBER_TEXT.test(value)) return Number(value);
  return fail(column, `expected a number, got ${describe(value)}`);
}

function toBoolean(column: ColumnNode, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return fail(column, `expected a boolean, got ${describe(value)}`);
}

function toText(column: ColumnNode, value: unknown, mode: ParseMode): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && !mode.exact && isInexactInteger(value)) throw new InexactIntegerError();
  // Scalars become their JSON text, as the OpenX deserializer does for string columns.
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return fail(column, `expected a string, got ${describe(value)}`);
}

type LeafKind = Exclude<ColumnKind, 'struct' | 'list'>;

function leafReaders(
  options: RowMappingOptions,
  mode: ParseMode,
): Record<LeafKind, (column: ColumnNode) => Reader> {
  const parseTimestamp = timestampParser(options.timestampFormats);
  return {
    string: (column) => (value) => (typeof value === 'string' ? value : toText(column, value, mode)),
    int64: (column) => (value) => toInt64(column, value, mode),
    double: (column) => (value) => (typeof value === 'number' ? value : toDouble(column, value)),
    boolean: (column) => (value) => (typeof value === 'boolean' ? value : toBoolean(column, value)),
    json: () => (value) => stringifyJson(value, mode.exact),
    timestamp: (column) => (value) => {
      const micros = parseTimestamp(value);
      return typeof micros === 'bigint' ? micros : fail(column, micros.error);
    },
    date: (column) => (value) => {
      if (typeof value !== 'string')
        return fail(column, `expected a date string (yyyy-MM-dd), got ${describe(value)}`);
      const days = parseDate(value);
      return typeof days === 'number' ? days : fail(column, `string ${days.error}`);
    },
  };
}

class Compiler {
  private readonly leaves: Record<LeafKind, (column: ColumnNode) => Reader>;
  private readonly normalize: (key: string) => string;
  private readonly exactKeys: boolean;
  readonly mode: ParseMode = { exact: false };

  constructor(options: RowMappingOptions) {
    this.leaves = leafReaders(options, this.mode);
    this.normalize = keyNormalizer(options);
    this.exactKeys = !options.caseInsensitive && !options.convertDotsInKeysToUnderscores;
  }

  /** Reads a present value (missing and null are handled by the parent). */
  value(column: ColumnNode): Reader {
    if (column.kind === 'struct') {
      const read = this.fields(column.children ?? []);
      const names = (column.children ?? []).map((child) => child.name);
      return (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          return fail(column, `expected an object, got ${describe(value)}`);
        }
        const values = read(value as Record<string, unknown>);
        const out: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i += 1) out[names[i] as string] = values[i];
        return out;
      };
    }
    if (column.kind === 'list') return this.list(column, column.element as ColumnNode);
    return this.leaves[column.kind](column);
  }

  private list(column: ColumnNode, element: ColumnNode): Reader {
    const read = this.value(element);
    return (value) => {
      if (!Array.isArray(value)) return fail(column, `expected an array, got ${describe(value)}`);
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i += 1) {
        const item: unknown = value[i];
        try {
          if (item === null) {
            if (!element.nullable) fail(element, 'must not be null');
            out[i] = null;
          } else out[i] = read(item);
        } catch (error) {
          // Name the element: items[] → items[2].
          if (error instanceof FieldError)
            error.path = error.path.replace(`${column.path}[]`, `${column.path}[${i}]`);
          throw error;
        }
      }
      return out;
    };
  }

  /** Reader of an object's fields into an array in column order (missing → null, after the checks). */
  fields(columns: readonly ColumnNode[]): (record: Record<string, unknown>) => unknown[] {
    const readers = columns.map((column) => this.value(column));
    const count = columns.length;
    const finish = (raw: unknown[]): unknown[] => {
      for (let i = 0; i < count; i += 1) {
        const value = raw[i];
        const column = columns[i] as ColumnNode;
        if (value === undefined) {
          if (column.required) fail(column, 'is required but missing');
          raw[i] = null;
        } else if (value === null) {
          // An optional field may be sent as null; a required one only if its type admits null.
          if (column.required && !column.nullable) fail(column, 'must not be null');
        } else raw[i] = (readers[i] as Reader)(value);
      }
      return raw;
    };
    if (this.exactKeys) {
      const keys = columns.map((column) => column.jsonKey);
      return (record) => {
        const raw = new Array<unknown>(count);
        for (let i = 0; i < count; i += 1) raw[i] = record[keys[i] as string];
        return finish(raw);
      };
    }
    const normalize = this.normalize;
    const byKey = new Map(columns.map((column, index) => [normalize(column.jsonKey), index]));
    const cache = new Map<string, number>();
    const indexOf = (key: string): number => {
      let index = cache.get(key);
      if (index === undefined) {
        index = byKey.get(normalize(key)) ?? -1;
        if (cache.size < KEY_CACHE_LIMIT) cache.set(key, index);
      }
      return index;
    };
    return (record) => {
      const raw = new Array<unknown>(count);
      for (const key in record) {
        const index = indexOf(key);
        if (index < 0) continue;
        if (raw[index] !== undefined) {
          // Two keys that differ only in case (or dots) would silently overwrite each other.
          const first = this.firstKey(record, columns[index] as ColumnNode, key);
          fail(columns[index] as ColumnNode, `keys '${first}' and '${key}' both map to this column`);
        }
        raw[index] = record[key];
      }
      return finish(raw);
    };
  }

  private firstKey(record: Record<string, unknown>, column: ColumnNode, second: string): string {
    const target = this.normalize(column.jsonKey);
    return Object.keys(record).find((key) => key !== second && this.normalize(key) === target) ?? second;
  }
}

/**
 * The compiled mapping of one schema: record → top-level column values. Throws FieldError for a value that
 * does not fit, and InexactIntegerError (only when `exact` is false) when the record must be parsed again
 * with parseJsonExact because an integer beyond 2^53 reaches a column that keeps it exactly.
 */
export type RowMapper = (record: Record<string, unknown>, exact?: boolean) => unknown[];

export function compileRowMapper(columns: readonly ColumnNode[], options: RowMappingOptions): RowMapper {
  const compiler = new Compiler(options);
  const read = compiler.fields(columns);
  return (record, exact = false) => {
    compiler.mode.exact = exact;
    return read(record);
  };
}
