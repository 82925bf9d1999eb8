/**
 * Per-record partition key extraction from the `partitioning:` rules. Everything that can be decided once
 * (paths, patterns, substitutes, sanitisation limits) is decided in compileKeyRules; the returned function
 * does one pass over the keys per record and never throws for record content.
 */
import { buildJqQuery } from './jq';
import { normalizePartitioning, type CompiledKey } from './config';
import { readFieldPath } from '../records/field-path';
import { sanitizePartitionValue } from './sanitize';
import { parseTimestampValue } from './timestamp-parse';

export type KeyFailureReason = 'missing-partition-key' | 'invalid-partition-timestamp';

export type KeyExtractionResult =
  { ok: true; keys: Record<string, string> } | { ok: false; reason: KeyFailureReason; message: string };

export interface KeyContext {
  /** Firehose `approximateArrivalTimestamp` of the record; used by `source: arrival` timestamp keys. */
  arrivalTime: Date;
}

export type KeyExtractor = (record: Record<string, unknown>, context: KeyContext) => KeyExtractionResult;

type Step = (record: Record<string, unknown>, context: KeyContext) => string | KeyExtractionResult;

function missing(key: CompiledKey, why: string): KeyExtractionResult {
  const where = key.kind === 'timestamp' && key.source === 'arrival' ? 'arrival time' : `path '${key.path}'`;
  return {
    ok: false,
    reason: 'missing-partition-key',
    message: `partition key '${key.name}' (${where}): ${why}`,
  };
}

function describeType(value: unknown): string {
  return Array.isArray(value) ? 'an array' : `an ${typeof value}`;
}

/** Builds the per-key step: returns the key's string value, or a failure result. */
function compileStep(key: CompiledKey, maxValueLength: number): Step {
  const { substitute } = key;
  const orSubstitute = (why: string): string | KeyExtractionResult => substitute ?? missing(key, why);
  if (key.kind === 'path') {
    const { segments } = key;
    return (record) => {
      const value = readFieldPath(record, segments);
      if (value === undefined || value === null) return orSubstitute('no value in the record');
      const type = typeof value;
      if (type !== 'string' && type !== 'number' && type !== 'boolean' && type !== 'bigint') {
        return orSubstitute(`value is ${describeType(value)}, not a string, number or boolean`);
      }
      const safe = sanitizePartitionValue(value as string | number | boolean | bigint, maxValueLength);
      return safe ?? orSubstitute('value is empty after sanitisation');
    };
  }
  const { format } = key;
  if (key.source === 'arrival') {
    return (_record, context) => {
      const time = context.arrivalTime.getTime();
      if (Number.isNaN(time)) return orSubstitute('arrival time is not a valid date');
      return format(context.arrivalTime);
    };
  }
  const { segments, input } = key;
  return (record) => {
    const value = readFieldPath(record, segments);
    if (value === undefined || value === null || value === '') return orSubstitute('no value in the record');
    const parsed = parseTimestampValue(value, input);
    if (!parsed.ok) {
      return {
        ok: false,
        reason: 'invalid-partition-timestamp',
        message: `partition key '${key.name}' (path '${key.path}', input ${input}): value ${parsed.message}`,
      };
    }
    return format(parsed.date);
  };
}

/**
 * Compiles the `partitioning:` block into a KeyExtractor. Throws PartitioningConfigError naming the field
 * (`partitioning.keys[1].timestamp.pattern: unknown pattern letter 'b'...`) for any configuration problem,
 * including, with `engine: jq`, rules that the generated jq query cannot express.
 */
export function compileKeyRules(config: unknown, root = 'partitioning'): KeyExtractor {
  const normalized = normalizePartitioning(config, root);
  // Refuse at compile time what the generated query could not do on AWS.
  if (normalized.engine === 'jq') buildJqQuery(normalized, root);
  const names = normalized.keys.map((key) => key.name);
  const steps = normalized.keys.map((key) => compileStep(key, normalized.maxValueLength));
  const count = steps.length;
  return (record, context) => {
    const keys: Record<string, string> = {};
    for (let index = 0; index < count; index += 1) {
      const value = (steps[index] as Step)(record, context);
      if (typeof value !== 'string') return value;
      keys[names[index] as string] = value;
    }
    return { ok: true, keys };
  };
}
