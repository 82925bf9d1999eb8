/**
 * Generates Firehose's inline `MetadataExtractionQuery` (a jq 1.6 object expression) from the same key
 * rules the Lambda engine uses, or refuses with the field that jq cannot express. What the query does and
 * does not reproduce is listed in docs/partitioning.md ("The jq engine").
 */
import {
  normalizePartitioning,
  PartitioningConfigError,
  type CompiledKey,
  type KeyConfig,
  type NormalizedPartitioning,
  type PartitioningConfig,
} from './config';
import schema from '../../schemas/pipeline/partitioning.schema.json';
import { isBareJqName, toJqPath } from './path';
import { javaPatternToStrftime } from './timestamp-format';
import type { TimestampInput } from './timestamp-parse';

/** Firehose processor parameter values are limited to 5,120 characters. */
export const MAX_JQ_QUERY_LENGTH = 5120;
/**
 * Firehose accepts at most 50 keys in one MetadataExtractionQuery. The schema's `keys.maxItems` is the one
 * place the limit is written (normalizePartitioning refuses more keys for either engine before jq sees them).
 */
export const MAX_JQ_KEYS: number = schema.properties.keys.maxItems;

// jq 1.6 `fromdateiso8601` only reads `YYYY-MM-DDTHH:MM:SSZ`: cut any fraction and insist on `Z`.
const FROM_ISO_Z = '.[0:19]+"Z"|fromdateiso8601';
const ISO_Z = `if endswith("Z") then ${FROM_ISO_Z} else error("not a UTC (Z) ISO-8601 timestamp") end`;

/**
 * Turns the value at the key's path (known non-null, non-empty) into epoch seconds for `strftime`. No `try`
 * or `?`: in jq 1.6 they also swallow errors raised further down the pipeline.
 */
const TO_EPOCH_SECONDS: Record<TimestampInput, string> = {
  epochSeconds: 'tonumber',
  epochMillis: 'tonumber/1000|floor',
  iso: ISO_Z,
  auto:
    `(if type=="number" then . elif type=="string" then (if endswith("Z") then ${FROM_ISO_Z} else tonumber end)` +
    ' else error("not a timestamp") end)|if .<1e11 and .>-1e11 then . else ./1000|floor end',
};

function fallback(key: CompiledKey): string {
  if (key.substitute !== undefined) return JSON.stringify(key.substitute);
  return `error(${JSON.stringify(`missing partition key ${key.name} at ${key.path ?? 'arrival time'}`)})`;
}

function keyExpression(key: CompiledKey): string {
  const read = `(${toJqPath(key.segments)})`;
  if (key.kind === 'path') {
    return (
      `(${read}|if .!="" and (type|.=="string" or .=="number" or .=="boolean")` +
      ` then tostring else ${fallback(key)} end)`
    );
  }
  if (key.source === 'arrival') {
    throw new PartitioningConfigError(
      `${key.field}.timestamp.source`,
      "the arrival time is not visible to jq; drop this key and put !{timestamp:...} in the prefix, or use engine 'lambda'",
    );
  }
  let format: string;
  try {
    format = javaPatternToStrftime(key.pattern);
  } catch (error) {
    throw new PartitioningConfigError(
      `${key.field}.timestamp.pattern`,
      `${(error as Error).message} (engine jq)`,
    );
  }
  return (
    `(${read}|if .==null or .=="" then ${fallback(key)}` +
    ` else (${TO_EPOCH_SECONDS[key.input]})|strftime(${JSON.stringify(format)}) end)`
  );
}

/** Builds the query from already-normalised rules (used by compileKeyRules to refuse early). */
export function buildJqQuery(rules: NormalizedPartitioning, root = 'partitioning'): string {
  if (rules.timeZone !== 'UTC' && rules.timeZone !== 'Etc/UTC') {
    throw new PartitioningConfigError(
      `${root}.timeZone`,
      `jq strftime prints UTC only; '${rules.timeZone}' needs engine 'lambda'`,
    );
  }
  const members = rules.keys.map((key) => {
    const name = isBareJqName(key.name) ? key.name : JSON.stringify(key.name);
    return `${name}:${keyExpression(key)}`;
  });
  const query = `{${members.join(',')}}`;
  if (query.length > MAX_JQ_QUERY_LENGTH) {
    throw new PartitioningConfigError(
      `${root}.keys`,
      `the generated jq query is ${query.length} characters; Firehose allows ${MAX_JQ_QUERY_LENGTH}` +
        " (fewer keys, or engine 'lambda')",
    );
  }
  return query;
}

/**
 * The `MetadataExtractionQuery` for a `partitioning` block (or just its `keys`). Throws
 * PartitioningConfigError naming the field when a rule has no jq equivalent or the query is too long.
 */
export function jqMetadataExtractionQuery(
  rules: PartitioningConfig | KeyConfig[] | NormalizedPartitioning,
  root = 'partitioning',
): string {
  const normalized = isNormalized(rules)
    ? rules
    : normalizePartitioning(Array.isArray(rules) ? { keys: rules } : rules, root);
  return buildJqQuery(normalized, root);
}

function isNormalized(rules: unknown): rules is NormalizedPartitioning {
  const first = (rules as { keys?: unknown[] }).keys?.[0] as { kind?: unknown } | undefined;
  return !Array.isArray(rules) && first?.kind !== undefined;
}
