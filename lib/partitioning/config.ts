/**
 * The `partitioning:` block of pipeline.yml: shape (checked against schemas/pipeline/partitioning.schema.json),
 * defaults, and the semantic checks a schema cannot express (pattern letters, paths, time zones, defaults that
 * would be rewritten by sanitisation). Everything is checked once; errors name the field.
 */
import schema from '../../schemas/pipeline/partitioning.schema.json';
import { compileValidator, type Validator } from '../schema/validate';
import { parseFieldPath, type PathSegment } from '../records/field-path';
import { DEFAULT_MAX_VALUE_LENGTH, sanitizePartitionValue } from './sanitize';
import {
  assertTimeZone,
  compileTimestampPattern,
  TimestampPatternError,
  type TimestampFormatter,
} from './timestamp-format';
import type { TimestampInput } from './timestamp-parse';

export const ENGINES = ['lambda', 'jq'] as const;
export const MISSING_KEY_POLICIES = ['default', 'fail'] as const;
type PartitioningEngine = (typeof ENGINES)[number];
type MissingKeyPolicy = (typeof MISSING_KEY_POLICIES)[number];
export const TIMESTAMP_SOURCES = ['record', 'arrival'] as const;

export interface PathKeyConfig {
  name: string;
  /** Dotted path into the record; `items[0].sku` for array elements. */
  path: string;
  default?: string;
}

export interface TimestampKeyConfig {
  name: string;
  timestamp: {
    /** Record field holding the time; required unless `source: arrival`. */
    field?: string;
    /** `record` (default when `field` is set) or `arrival` (the record's approximate arrival time). */
    source?: (typeof TIMESTAMP_SOURCES)[number];
    /** Java DateTimeFormatter-style pattern, e.g. `yyyy-MM-dd`. */
    pattern: string;
    /** How to read the field; `auto` tells ISO text, epoch seconds and epoch milliseconds apart. */
    input?: TimestampInput;
  };
  default?: string;
}

export type KeyConfig = PathKeyConfig | TimestampKeyConfig;

export interface PartitioningConfig {
  /** `lambda` (keys computed by our function) or `jq` (Firehose's inline MetadataExtraction). Default lambda. */
  engine?: (typeof ENGINES)[number];
  /** Missing value for a key without its own `default`: `fail` (default) or `default` (use `defaultValue`). */
  onMissingKey?: (typeof MISSING_KEY_POLICIES)[number];
  /** Substitute for missing keys under `onMissingKey: default` when the key has no `default`. */
  defaultValue?: string;
  /** Longest partition value in code points before it is shortened with a hash (default 128). */
  maxValueLength?: number;
  /** IANA zone for timestamp keys (default UTC, like Firehose without CustomTimeZone). */
  timeZone?: string;
  keys: KeyConfig[];
}

/**
 * The block's defaults, read from schemas/pipeline/partitioning.schema.json, the one place they (and the
 * limits Ajv checks) are written: the loader's Ajv fills them into pipeline.yml, and a block passed in
 * directly gets the same values here.
 */
const DEFAULTS = {
  engine: schema.properties.engine.default as PartitioningEngine,
  onMissingKey: schema.properties.onMissingKey.default as MissingKeyPolicy,
  defaultValue: schema.properties.defaultValue.default,
  timeZone: schema.properties.timeZone.default,
};

export const DEFAULT_MISSING_VALUE: string = DEFAULTS.defaultValue;

/** A key rule after validation: everything the per-record path needs, precomputed. */
export type CompiledKey =
  | {
      kind: 'path';
      name: string;
      field: string;
      path: string;
      segments: PathSegment[];
      substitute: string | undefined;
    }
  | {
      kind: 'timestamp';
      name: string;
      field: string;
      source: 'record' | 'arrival';
      path: string | undefined;
      segments: PathSegment[];
      pattern: string;
      input: TimestampInput;
      format: TimestampFormatter;
      substitute: string | undefined;
    };

export interface NormalizedPartitioning {
  engine: (typeof ENGINES)[number];
  onMissingKey: (typeof MISSING_KEY_POLICIES)[number];
  defaultValue: string;
  maxValueLength: number;
  timeZone: string;
  keys: CompiledKey[];
}

export class PartitioningConfigError extends Error {
  override name = 'PartitioningConfigError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

let shapeValidator: Validator | undefined;

/** Formats a schema issue path (`keys[1].timestamp`) under the block's own name. */
function under(root: string, path: string): string {
  return path === '(root)' ? root : `${root}.${path}`;
}

const isTimestampKey = (key: KeyConfig): key is TimestampKeyConfig => 'timestamp' in key;

/**
 * Validates and normalises a `partitioning` block. `root` names the block in messages (`partitioning` by
 * default, as in pipeline.yml). Throws PartitioningConfigError naming the first offending field.
 */
export function normalizePartitioning(config: unknown, root = 'partitioning'): NormalizedPartitioning {
  shapeValidator ??= compileValidator(schema, { allErrors: false, pipelineConfig: true });
  const shape = shapeValidator(config);
  if (!shape.ok) {
    const issue = shape.issues[0] ?? { path: '(root)', message: 'is invalid' };
    throw new PartitioningConfigError(under(root, issue.path), issue.message);
  }
  const block = config as PartitioningConfig;
  const engine = block.engine ?? DEFAULTS.engine;
  const onMissingKey = block.onMissingKey ?? DEFAULTS.onMissingKey;
  const maxValueLength = block.maxValueLength ?? DEFAULT_MAX_VALUE_LENGTH;
  const timeZone = block.timeZone ?? DEFAULTS.timeZone;
  try {
    assertTimeZone(timeZone);
  } catch (error) {
    throw new PartitioningConfigError(`${root}.timeZone`, (error as Error).message);
  }
  const vetValue = (field: string, value: string): string => {
    const safe = sanitizePartitionValue(value, maxValueLength);
    if (safe !== value) {
      throw new PartitioningConfigError(
        field,
        `'${value}' is not a safe partition value` +
          (safe === undefined ? '' : ` (it would become '${safe}')`),
      );
    }
    return value;
  };
  const defaultValue = vetValue(`${root}.defaultValue`, block.defaultValue ?? DEFAULT_MISSING_VALUE);

  const seen = new Map<string, number>();
  const keys = block.keys.map((key, index): CompiledKey => {
    const field = `${root}.keys[${index}]`;
    const previous = seen.get(key.name);
    if (previous !== undefined) {
      throw new PartitioningConfigError(
        `${field}.name`,
        `duplicate key name '${key.name}' (also keys[${previous}])`,
      );
    }
    seen.set(key.name, index);
    const own = key.default === undefined ? undefined : vetValue(`${field}.default`, key.default);
    const substitute = own ?? (onMissingKey === 'default' ? defaultValue : undefined);
    const segmentsOf = (path: string, pathField: string): PathSegment[] => {
      try {
        return parseFieldPath(path);
      } catch (error) {
        throw new PartitioningConfigError(pathField, (error as Error).message);
      }
    };
    if (!isTimestampKey(key)) {
      return {
        kind: 'path',
        name: key.name,
        field,
        path: key.path,
        segments: segmentsOf(key.path, `${field}.path`),
        substitute,
      };
    }
    const spec = key.timestamp;
    const source = spec.source ?? 'record';
    if (source === 'record' && spec.field === undefined) {
      throw new PartitioningConfigError(`${field}.timestamp.field`, "is required unless source is 'arrival'");
    }
    if (source === 'arrival' && (spec.field !== undefined || spec.input !== undefined)) {
      const extra = spec.field !== undefined ? 'field' : 'input';
      throw new PartitioningConfigError(
        `${field}.timestamp.${extra}`,
        "has no meaning with source 'arrival'",
      );
    }
    let format: TimestampFormatter;
    try {
      format = compileTimestampPattern(spec.pattern, timeZone);
      assertPatternStaysInOneFolder(spec.pattern, format, maxValueLength);
    } catch (error) {
      if (!(error instanceof TimestampPatternError)) throw error;
      throw new PartitioningConfigError(`${field}.timestamp.pattern`, error.message);
    }
    return {
      kind: 'timestamp',
      name: key.name,
      field,
      source,
      path: spec.field,
      segments: spec.field === undefined ? [] : segmentsOf(spec.field, `${field}.timestamp.field`),
      pattern: spec.pattern,
      input: spec.input ?? 'auto',
      format,
      substitute,
    };
  });
  return { engine, onMissingKey, defaultValue, maxValueLength, timeZone, keys };
}

/**
 * Formatted timestamps skip per-record sanitisation, so the pattern itself must only print safe characters:
 * a `/` in a key pattern would add a folder. Checked on two sample instants (text fields vary in length).
 */
function assertPatternStaysInOneFolder(pattern: string, format: TimestampFormatter, maxLength: number): void {
  for (const sample of [new Date(Date.UTC(2024, 8, 30, 23, 59, 59, 999)), new Date(Date.UTC(2024, 0, 1))]) {
    const text = format(sample);
    if (sanitizePartitionValue(text, maxLength) !== text) {
      throw new TimestampPatternError(
        `pattern '${pattern}' prints '${text}', which is not one safe folder name` +
          ' (only letters, digits, - _ and inner dots); put !{timestamp:...} in the prefix for nested folders',
      );
    }
  }
}
