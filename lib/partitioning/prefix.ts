/**
 * Firehose S3 `Prefix` / `ErrorOutputPrefix` expressions (`!{namespace:value}`): parsing (once, with timestamp
 * patterns compiled), the deploy-time rules the service enforces, and per-object evaluation.
 * The rules and the choices made where the Firehose guide is silent are in docs/partitioning.md.
 */
import { randomUUID } from 'node:crypto';
import { compileTimestampPattern, TimestampPatternError, type TimestampFormatter } from './timestamp-format';

export const PREFIX_NAMESPACES = [
  'firehose',
  'timestamp',
  'partitionKeyFromQuery',
  'partitionKeyFromLambda',
] as const;

/** What `!{firehose:error-output-type}` evaluates to, by failure kind (Firehose developer guide). */
export const ERROR_OUTPUT_TYPES = [
  'processing-failed',
  'format-conversion-failed',
  'decompression-failed',
  'AmazonOpenSearchService-failed',
  'splunk-failed',
  'http-endpoint-failed',
] as const;
export type ErrorOutputType = (typeof ERROR_OUTPUT_TYPES)[number];

/** Limits from the Firehose API model (field length) and the developer guide (evaluated length). */
export const MAX_PREFIX_FIELD_LENGTH = 1024;
export const MAX_EVALUATED_PREFIX_LENGTH = 512;
export const RANDOM_STRING_LENGTH = 11;
/** Appended to a prefix without expressions (UTC unless a time zone is configured). */
export const DEFAULT_TIME_PREFIX_PATTERN = 'yyyy/MM/dd/HH/';

export type PrefixPart =
  | { kind: 'literal'; text: string }
  | { kind: 'timestamp'; raw: string; pattern: string; format: TimestampFormatter }
  | { kind: 'random-string'; raw: string }
  | { kind: 'error-output-type'; raw: string }
  | { kind: 'partition-key'; raw: string; source: 'lambda' | 'query'; key: string };

export interface ParsedPrefix {
  source: string;
  timeZone: string;
  parts: PrefixPart[];
  hasExpressions: boolean;
  /** Formats the default `yyyy/MM/dd/HH/` suffix; only used when there are no expressions. */
  defaultSuffix: TimestampFormatter;
}

export class PrefixError extends Error {
  override name = 'PrefixError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

type ExpressionParser = (value: string, raw: string, timeZone: string) => PrefixPart | string;

const FIREHOSE_VALUES: Record<string, 'random-string' | 'error-output-type'> = {
  'random-string': 'random-string',
  'error-output-type': 'error-output-type',
};

function partitionKey(source: 'lambda' | 'query'): ExpressionParser {
  return (value, raw) =>
    value === '' ? `${raw} names no key` : { kind: 'partition-key', raw, source, key: value };
}

/** Namespace -> how its value is read; an unknown namespace is a problem, as on the service. */
const NAMESPACES: Record<(typeof PREFIX_NAMESPACES)[number], ExpressionParser> = {
  firehose: (value, raw) => {
    const kind = FIREHOSE_VALUES[value];
    return kind === undefined
      ? `${raw}: unknown firehose value '${value}' (expected error-output-type or random-string)`
      : { kind, raw };
  },
  timestamp: (value, raw, timeZone) => {
    try {
      return { kind: 'timestamp', raw, pattern: value, format: compileTimestampPattern(value, timeZone) };
    } catch (error) {
      if (error instanceof TimestampPatternError) return `${raw}: ${error.message}`;
      throw error;
    }
  },
  partitionKeyFromQuery: partitionKey('query'),
  partitionKeyFromLambda: partitionKey('lambda'),
};

const isNamespace = (name: string): name is keyof typeof NAMESPACES => Object.hasOwn(NAMESPACES, name);

interface Scan {
  parts: PrefixPart[];
  problems: string[];
}

/** Splits a prefix into literal and expression parts, collecting every problem instead of stopping. */
function scanPrefix(prefix: string, timeZone: string): Scan {
  const parts: PrefixPart[] = [];
  const problems: string[] = [];
  const literal = (text: string): void => {
    if (text !== '') parts.push({ kind: 'literal', text });
  };
  let cursor = 0;
  for (;;) {
    const start = prefix.indexOf('!{', cursor);
    if (start === -1) {
      literal(prefix.slice(cursor));
      break;
    }
    literal(prefix.slice(cursor, start));
    const end = prefix.indexOf('}', start + 2);
    if (end === -1) {
      problems.push(`'!{' at position ${start} is not closed by '}'`);
      break;
    }
    const raw = prefix.slice(start, end + 1);
    const body = prefix.slice(start + 2, end);
    const colon = body.indexOf(':');
    const namespace = colon === -1 ? '' : body.slice(0, colon);
    if (colon <= 0 || body.includes('!{')) {
      problems.push(`${raw} at position ${start} is not of the form !{namespace:value}`);
    } else if (!isNamespace(namespace)) {
      problems.push(`${raw}: unknown namespace '${namespace}' (expected ${PREFIX_NAMESPACES.join(', ')})`);
    } else {
      const part = NAMESPACES[namespace](body.slice(colon + 1), raw, timeZone);
      if (typeof part === 'string') problems.push(part);
      else parts.push(part);
    }
    cursor = end + 1;
  }
  return { parts, problems };
}

function toParsed(source: string, timeZone: string, parts: PrefixPart[]): ParsedPrefix {
  return {
    source,
    timeZone,
    parts,
    hasExpressions: parts.some((part) => part.kind !== 'literal'),
    defaultSuffix: compileTimestampPattern(DEFAULT_TIME_PREFIX_PATTERN, timeZone),
  };
}

/**
 * Parses a prefix once (timestamp patterns compiled for `timeZone`, default UTC). Throws PrefixError listing
 * every problem; validatePrefixes reports the same problems, with field names, without throwing.
 */
export function parsePrefix(prefix: string, options: { timeZone?: string } = {}): ParsedPrefix {
  const timeZone = options.timeZone ?? 'UTC';
  const { parts, problems } = scanPrefix(prefix, timeZone);
  if (problems.length > 0) throw new PrefixError(problems);
  return toParsed(prefix, timeZone, parts);
}

export interface PrefixValidationInput {
  prefix?: string | null;
  errorOutputPrefix?: string | null;
  dynamicPartitioning: boolean;
  /** Key names the Lambda returns in `metadata.partitionKeys`. */
  lambdaKeys?: readonly string[];
  /** Key names the jq MetadataExtractionQuery produces. */
  queryKeys?: readonly string[];
  timeZone?: string;
  /** How the two fields are named in messages; pipeline.yml's paths by default. */
  fields?: { prefix: string; errorOutputPrefix: string };
}

const MIN_ERROR_TYPE_LENGTH = Math.min(...ERROR_OUTPUT_TYPES.map((type) => type.length));
const SAMPLE_INSTANT = new Date(Date.UTC(2024, 8, 30, 23, 59, 59, 999));

/** The shortest a prefix can evaluate to (keys at least one character), to catch sure overruns early. */
function minimumLength(parsed: ParsedPrefix, isErrorPrefix: boolean): number {
  let length = 0;
  for (const part of parsed.parts) {
    if (part.kind === 'literal') length += part.text.length;
    else if (part.kind === 'timestamp') length += part.format(SAMPLE_INSTANT).length;
    else if (part.kind === 'random-string') length += RANDOM_STRING_LENGTH;
    else if (part.kind === 'error-output-type') length += MIN_ERROR_TYPE_LENGTH;
    else length += 1;
  }
  if (!parsed.hasExpressions) {
    length += parsed.defaultSuffix(SAMPLE_INSTANT).length + (isErrorPrefix ? MIN_ERROR_TYPE_LENGTH + 1 : 0);
  }
  return length;
}

const has = (parsed: ParsedPrefix | undefined, kind: PrefixPart['kind']): boolean =>
  parsed?.parts.some((part) => part.kind === kind) ?? false;

/**
 * Every problem Firehose would reject the pair for (or that would fail every object), each naming the field.
 * An empty array means the pair is valid.
 */
export function validatePrefixes(input: PrefixValidationInput): string[] {
  const fields = input.fields ?? {
    prefix: 'delivery.prefix',
    errorOutputPrefix: 'delivery.errorOutputPrefix',
  };
  const timeZone = input.timeZone ?? 'UTC';
  const problems: string[] = [];
  const read = (value: string | null | undefined, field: string): ParsedPrefix | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    if (value.length > MAX_PREFIX_FIELD_LENGTH) {
      problems.push(
        `${field}: is ${value.length} characters; Firehose allows at most ${MAX_PREFIX_FIELD_LENGTH}`,
      );
    }
    const scan = scanPrefix(value, timeZone);
    for (const problem of scan.problems) problems.push(`${field}: ${problem}`);
    return toParsed(value, timeZone, scan.parts);
  };
  const prefix = read(input.prefix, fields.prefix);
  const errorPrefix = read(input.errorOutputPrefix, fields.errorOutputPrefix);
  const prefixHasExpressions = prefix?.hasExpressions ?? false;

  for (const part of prefix?.parts ?? []) {
    if (part.kind === 'error-output-type') {
      problems.push(`${fields.prefix}: ${part.raw} may only appear in the error output prefix`);
    }
  }
  for (const part of errorPrefix?.parts ?? []) {
    if (part.kind === 'partition-key') {
      problems.push(
        `${fields.errorOutputPrefix}: ${part.raw} is not allowed (records that fail have no partition keys)`,
      );
    }
  }

  if (errorPrefix === undefined) {
    if (input.dynamicPartitioning) {
      problems.push(`${fields.errorOutputPrefix}: is required when dynamic partitioning is enabled`);
    } else if (prefixHasExpressions) {
      problems.push(`${fields.errorOutputPrefix}: is required when ${fields.prefix} contains expressions`);
    }
  } else if ((prefixHasExpressions || errorPrefix.hasExpressions) && !has(errorPrefix, 'error-output-type')) {
    const because = prefixHasExpressions
      ? `${fields.prefix} contains expressions`
      : 'it contains expressions';
    problems.push(
      `${fields.errorOutputPrefix}: must contain !{firehose:error-output-type} because ${because}`,
    );
  }

  const available = { lambda: new Set(input.lambdaKeys ?? []), query: new Set(input.queryKeys ?? []) };
  let usesPartitionKey = false;
  for (const part of prefix?.parts ?? []) {
    if (part.kind !== 'partition-key') continue;
    usesPartitionKey = true;
    if (!input.dynamicPartitioning) {
      problems.push(`${fields.prefix}: ${part.raw} needs dynamic partitioning to be enabled`);
    } else if (!available[part.source].has(part.key)) {
      const known = [...available[part.source]].join(', ') || 'none';
      const producer = part.source === 'lambda' ? 'the Lambda' : 'the jq query';
      problems.push(
        `${fields.prefix}: ${part.raw} names a key ${producer} does not produce (it produces: ${known})`,
      );
    }
  }
  if (input.dynamicPartitioning && !usesPartitionKey) {
    problems.push(
      prefix === undefined
        ? `${fields.prefix}: is required when dynamic partitioning is enabled`
        : `${fields.prefix}: must use at least one !{partitionKeyFromQuery:...} or !{partitionKeyFromLambda:...}` +
            ' when dynamic partitioning is enabled',
    );
  }

  for (const [parsed, field, isError] of [
    [prefix, fields.prefix, false],
    [errorPrefix, fields.errorOutputPrefix, true],
  ] as const) {
    if (parsed === undefined) continue;
    const minimum = minimumLength(parsed, isError);
    if (minimum > MAX_EVALUATED_PREFIX_LENGTH) {
      problems.push(
        `${field}: evaluates to at least ${minimum} characters; Firehose allows ${MAX_EVALUATED_PREFIX_LENGTH}`,
      );
    }
  }
  return problems;
}

export interface PrefixContext {
  lambdaKeys?: Readonly<Record<string, string>>;
  queryKeys?: Readonly<Record<string, string>>;
  /** Arrival time of the oldest record in the object; every `!{timestamp:...}` uses this one instant. */
  timestamp: Date;
  /** Set when evaluating an ErrorOutputPrefix. */
  errorOutputType?: string;
  /** 11 characters, called once per `!{firehose:random-string}`; crypto-random by default. */
  randomString?: () => string;
}

export type PrefixFailureReason = 'missing-partition-key' | 'missing-error-output-type' | 'prefix-too-long';

export type PrefixEvaluation =
  { ok: true; prefix: string } | { ok: false; reason: PrefixFailureReason; message: string };

/** Same shape as Firehose's samples (`046b6c7f-0b`): the head of a random UUID. */
export const defaultRandomString = (): string => randomUUID().slice(0, RANDOM_STRING_LENGTH);

const parsedCache = new Map<string, ParsedPrefix>();
const PARSED_CACHE_LIMIT = 256;

function cachedParse(prefix: string): ParsedPrefix {
  let parsed = parsedCache.get(prefix);
  if (parsed === undefined) {
    parsed = parsePrefix(prefix);
    if (parsedCache.size >= PARSED_CACHE_LIMIT) parsedCache.clear();
    parsedCache.set(prefix, parsed);
  }
  return parsed;
}

type PrefixFailure = Extract<PrefixEvaluation, { ok: false }>;
type PartEvaluator<P extends PrefixPart> = (
  part: P,
  context: PrefixContext,
  source: string,
) => string | PrefixFailure;

/** What each kind of part contributes to the evaluated prefix. */
const EVALUATE: { [K in PrefixPart['kind']]: PartEvaluator<Extract<PrefixPart, { kind: K }>> } = {
  literal: (part) => part.text,
  timestamp: (part, context) => part.format(context.timestamp),
  'random-string': (_part, context) => (context.randomString ?? defaultRandomString)(),
  'error-output-type': (part, context, source) =>
    context.errorOutputType ?? {
      ok: false,
      reason: 'missing-error-output-type',
      message: `${part.raw} in '${source}' needs an error output type`,
    },
  'partition-key': (part, context, source) => {
    const value = (part.source === 'lambda' ? context.lambdaKeys : context.queryKeys)?.[part.key];
    if (value !== undefined && value !== '') return value;
    return {
      ok: false,
      reason: 'missing-partition-key',
      message: `${part.raw} in '${source}': the record has no partition key '${part.key}'`,
    };
  },
};

/**
 * Evaluates a prefix for one object. A string is parsed (UTC) and cached; pass a ParsedPrefix from
 * parsePrefix for another time zone or to skip the lookup. Throws PrefixError for a malformed prefix (a
 * configuration error); returns a failure for what depends on the records (missing key, overlong result).
 */
export function evaluatePrefix(prefix: ParsedPrefix | string, context: PrefixContext): PrefixEvaluation {
  const parsed = typeof prefix === 'string' ? cachedParse(prefix) : prefix;
  const instant = context.timestamp;
  if (Number.isNaN(instant.getTime()))
    throw new TypeError('evaluatePrefix: context.timestamp is an invalid Date');
  let out = '';
  for (const part of parsed.parts) {
    const piece = (EVALUATE[part.kind] as PartEvaluator<PrefixPart>)(part, context, parsed.source);
    if (typeof piece !== 'string') return piece;
    out += piece;
  }
  if (!parsed.hasExpressions) {
    if (context.errorOutputType !== undefined) out += `${context.errorOutputType}/`;
    out += parsed.defaultSuffix(instant);
  }
  if (out.length > MAX_EVALUATED_PREFIX_LENGTH) {
    return {
      ok: false,
      reason: 'prefix-too-long',
      message: `'${parsed.source}' evaluates to ${out.length} characters; Firehose allows ${MAX_EVALUATED_PREFIX_LENGTH}`,
    };
  }
  return { ok: true, prefix: out };
}
