/**
 * Settings of the emulated Kinesis event source mapping, with defaults, validated once when the mapping is
 * built. Names and defaults follow the `consumer` block of pipeline.yml (schemas/pipeline.schema.json), so
 * `pipeline.config.consumer` can be passed in as it is; the ranges are Lambda's
 * (CreateEventSourceMapping), which also admits -1 (infinite) where AWS does.
 */
import { systemClock as generatorSystemClock } from '../generator/clock';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamStateResponse,
  KinesisStreamTumblingWindowEvent,
} from 'aws-lambda';
import { definedFields } from '../options';

export const STARTING_POSITIONS = ['LATEST', 'TRIM_HORIZON', 'AT_TIMESTAMP'] as const;
export type StartingPosition = (typeof STARTING_POSITIONS)[number];

/** The event a tumbling-window handler receives (the @types/aws-lambda type lacks two fields Lambda sends). */
export interface KinesisWindowEvent extends KinesisStreamTumblingWindowEvent {
  state: Record<string, unknown>;
  shardId: string;
  eventSourceARN: string;
}

export type KinesisBatchHandler = (
  event: KinesisStreamEvent,
  // The AWS handler type's own return: a response, or nothing for full success.
) => Promise<KinesisStreamBatchResponse | void> | KinesisStreamBatchResponse | void;

export type KinesisWindowHandler = (
  event: KinesisWindowEvent,
) => Promise<KinesisStreamStateResponse | void> | KinesisStreamStateResponse | void;

/** Time and waiting, injectable so tests run on virtual time (lib/generator/clock.ts fits this shape). */
export interface MappingClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface BackoffOptions {
  /** Cap of the first delay; doubles per consecutive failure. */
  baseDelayMs?: number;
  /** Upper bound of any single delay. */
  maxDelayMs?: number;
}

/** Lambda's event source mapping settings. */
export interface MappingSettings {
  /** BatchSize, 1–10,000. */
  batchSize: number;
  /** MaximumBatchingWindowInSeconds, 0–300. */
  batchWindowSeconds: number;
  startingPosition: StartingPosition;
  /** Required with AT_TIMESTAMP: epoch seconds (as Lambda's StartingPositionTimestamp) or a Date. */
  startingPositionTimestamp?: number | Date;
  /** Concurrent batches per shard, 1–10; order is kept per partition key. */
  parallelizationFactor: number;
  /** -1 (infinite) or 0–10,000. */
  maximumRetryAttempts: number;
  /** -1 (infinite) or 60–604,800. */
  maximumRecordAgeSeconds: number;
  bisectBatchOnFunctionError: boolean;
  /** FunctionResponseTypes: [ReportBatchItemFailures]; the project deploys every stream consumer with it. */
  reportBatchItemFailures: boolean;
  /** TumblingWindowInSeconds, 0 (off) – 900. */
  tumblingWindowSeconds: number;
}

export interface EventSourceMappingOptions extends Partial<MappingSettings> {
  client: KinesisClient;
  streamName: string;
  handler: KinesisBatchHandler | KinesisWindowHandler;
  /** Names the function in ARNs and in the checkpoint file (default `local-function`). */
  functionName?: string;
  /** Default `arn:aws:lambda:<stream region>:<stream account>:function:<functionName>`. */
  functionArn?: string;
  /** `invokeIdentityArn` of every record (default the role the event factories use). */
  invokeIdentityArn?: string;
  /**
   * Lambda's function timeout: an invocation still running after this long counts as failed (the handler is
   * not interrupted, as a timed-out Lambda's side effects are not undone). 0, the default, waits forever.
   */
  functionTimeoutSeconds?: number;
  /** JSON checkpoint file; without it checkpoints live in memory only. */
  checkpointFile?: string;
  /** JSON-lines file receiving on-failure records (Lambda's shape: esm-events.ts); else only emitted. */
  deadLetterFile?: string;
  /**
   * Each on-failure line also carries its records' data (`records`, base64), up to DEAD_LETTER_DATA_BYTES
   * a batch; Lambda's own record holds the pointer only. Off by default.
   */
  deadLetterData?: boolean;
  /** Wait between polls of a shard that returned nothing (Lambda polls about once a second). */
  pollIntervalMs?: number;
  /** Abort a Kinesis request after this long (a stalled emulator must not hang a poller). */
  requestTimeoutMs?: number;
  /** Records read ahead per shard before the poller waits for the handler. */
  readAheadRecords?: number;
  /** How often the shard list is refreshed to pick up resharding; 0 turns it off. */
  shardDiscoveryIntervalMs?: number;
  /** Backoff of pollers after Kinesis errors (connection refused, timeouts, throttling). */
  pollBackoff?: BackoffOptions;
  /** Backoff between retries of a failed batch. */
  retryBackoff?: BackoffOptions;
  clock?: MappingClock;
  /** Returns [0, 1); jitter of the backoffs. */
  random?: () => number;
  /** Where warnings go (default the Powertools logger); never receives record data. */
  logger?: MappingLogger;
  /** Keys of pipeline.yml's `consumer` block that concern the stream consumer, not the mapping. */
  sinks?: unknown;
  errorPrefix?: unknown;
}

export interface MappingLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface ResolvedMappingOptions extends MappingSettings {
  client: KinesisClient;
  streamName: string;
  handler: KinesisBatchHandler | KinesisWindowHandler;
  functionName: string;
  functionArn: string | undefined;
  invokeIdentityArn: string | undefined;
  checkpointFile: string | undefined;
  deadLetterFile: string | undefined;
  deadLetterData: boolean;
  /** Epoch milliseconds, set when startingPosition is AT_TIMESTAMP. */
  startingTimestampMs: number | undefined;
  functionTimeoutSeconds: number;
  pollIntervalMs: number;
  requestTimeoutMs: number;
  readAheadRecords: number;
  shardDiscoveryIntervalMs: number;
  pollBackoff: Required<BackoffOptions>;
  retryBackoff: Required<BackoffOptions>;
  clock: MappingClock;
  random: () => number;
  logger: MappingLogger | undefined;
}

/** Defaults of the settings: pipeline.yml's `consumer` defaults where it has the key, else Lambda's. */
export const MAPPING_DEFAULTS: MappingSettings = {
  batchSize: 100,
  batchWindowSeconds: 0,
  startingPosition: 'LATEST',
  parallelizationFactor: 1,
  maximumRetryAttempts: 10,
  maximumRecordAgeSeconds: 3600,
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  tumblingWindowSeconds: 0,
};

interface IntegerRule {
  min: number;
  max: number;
  /** A value outside [min, max] that is still allowed (Lambda's -1 = infinite). */
  infinite?: number;
}

/** Integer options and their ranges; the settings' ranges are Lambda's (CreateEventSourceMapping). */
export const INTEGER_RULES = {
  batchSize: { min: 1, max: 10_000 },
  batchWindowSeconds: { min: 0, max: 300 },
  parallelizationFactor: { min: 1, max: 10 },
  maximumRetryAttempts: { min: 0, max: 10_000, infinite: -1 },
  maximumRecordAgeSeconds: { min: 60, max: 604_800, infinite: -1 },
  tumblingWindowSeconds: { min: 0, max: 900 },
  functionTimeoutSeconds: { min: 0, max: 900 },
  pollIntervalMs: { min: 0, max: 60_000 },
  requestTimeoutMs: { min: 100, max: 300_000 },
  readAheadRecords: { min: 1, max: 1_000_000 },
  shardDiscoveryIntervalMs: { min: 0, max: 86_400_000 },
} as const satisfies Record<string, IntegerRule>;

const BOOLEAN_KEYS = ['bisectBatchOnFunctionError', 'reportBatchItemFailures'] as const;
const STRING_KEYS = [
  'functionName',
  'functionArn',
  'invokeIdentityArn',
  'checkpointFile',
  'deadLetterFile',
] as const;
const OTHER_KEYS = [
  'client',
  'streamName',
  'handler',
  'startingPosition',
  'startingPositionTimestamp',
  'pollBackoff',
  'retryBackoff',
  'clock',
  'random',
  'logger',
  'sinks',
  'errorPrefix',
  'deadLetterData',
] as const;
const KNOWN_KEYS = new Set<string>([
  ...Object.keys(INTEGER_RULES),
  ...BOOLEAN_KEYS,
  ...STRING_KEYS,
  ...OTHER_KEYS,
]);

const DEFAULT_POLL_BACKOFF = { baseDelayMs: 100, maxDelayMs: 5_000 };
const DEFAULT_RETRY_BACKOFF = { baseDelayMs: 100, maxDelayMs: 2_000 };

// The generator's clock already has the shape the mappings need (now, abortable sleep).
const systemClock: MappingClock = generatorSystemClock;

/** Thrown for options that cannot work; the message lists every problem, each naming its option. */
export class MappingOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `event source mapping options are invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
    this.name = 'MappingOptionsError';
  }
}

function checkInteger(name: string, value: unknown, rule: IntegerRule, problems: string[]): void {
  const ok =
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    ((value >= rule.min && value <= rule.max) || value === rule.infinite);
  if (!ok) {
    const range = `${rule.min}–${rule.max}${rule.infinite === undefined ? '' : ` or ${rule.infinite}`}`;
    problems.push(`${name} must be an integer ${range}, got ${JSON.stringify(value)}`);
  }
}

function resolveBackoff(
  name: string,
  value: BackoffOptions | undefined,
  defaults: Required<BackoffOptions>,
  problems: string[],
): Required<BackoffOptions> {
  const resolved = { ...defaults, ...definedFields(value ?? {}) };
  for (const field of ['baseDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(resolved[field]) || resolved[field] < 0) {
      problems.push(`${name}.${field} must be a number >= 0, got ${JSON.stringify(resolved[field])}`);
    }
  }
  if (resolved.maxDelayMs < resolved.baseDelayMs) {
    problems.push(
      `${name}.maxDelayMs (${resolved.maxDelayMs}) must be >= baseDelayMs (${resolved.baseDelayMs})`,
    );
  }
  return resolved;
}

function timestampMs(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
  return undefined;
}

/** Merges defaults and checks every option once; throws MappingOptionsError naming each bad option. */
export function resolveMappingOptions(options: EventSourceMappingOptions): ResolvedMappingOptions {
  const problems: string[] = [];
  const unknown = Object.keys(options).filter((key) => !KNOWN_KEYS.has(key));
  for (const key of unknown) problems.push(`unknown option "${key}"`);

  const given = definedFields(options);
  const merged = {
    ...MAPPING_DEFAULTS,
    functionName: 'local-function',
    functionTimeoutSeconds: 0,
    pollIntervalMs: 1_000,
    requestTimeoutMs: 10_000,
    shardDiscoveryIntervalMs: 30_000,
    ...given,
  };
  const readAheadDefault = Math.min(
    10_000,
    Math.max(1_000, 2 * merged.batchSize * merged.parallelizationFactor),
  );
  const readAheadRecords = given.readAheadRecords ?? readAheadDefault;

  for (const [name, rule] of Object.entries(INTEGER_RULES)) {
    const value = name === 'readAheadRecords' ? readAheadRecords : merged[name as keyof typeof merged];
    checkInteger(name, value, rule, problems);
  }
  for (const name of BOOLEAN_KEYS) {
    if (typeof merged[name] !== 'boolean')
      problems.push(`${name} must be true or false, got ${JSON.stringify(merged[name])}`);
  }
  for (const name of STRING_KEYS) {
    const value = merged[name as keyof typeof merged];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      problems.push(`${name} must be a non-empty string, got ${JSON.stringify(value)}`);
    }
  }
  if (!(STARTING_POSITIONS as readonly string[]).includes(merged.startingPosition)) {
    problems.push(
      `startingPosition must be one of ${STARTING_POSITIONS.join(', ')}, got ${JSON.stringify(merged.startingPosition)}`,
    );
  }
  let startingTimestampMs: number | undefined;
  if (merged.startingPosition === 'AT_TIMESTAMP') {
    startingTimestampMs = timestampMs(merged.startingPositionTimestamp);
    if (startingTimestampMs === undefined) {
      problems.push(
        `startingPositionTimestamp (epoch seconds or a Date) is required with AT_TIMESTAMP, got ${JSON.stringify(merged.startingPositionTimestamp)}`,
      );
    }
  } else if (merged.startingPositionTimestamp !== undefined) {
    problems.push(`startingPositionTimestamp is only valid with startingPosition AT_TIMESTAMP`);
  }
  if (typeof merged.streamName !== 'string' || merged.streamName.length === 0) {
    problems.push(`streamName must be a non-empty string, got ${JSON.stringify(merged.streamName)}`);
  }
  if (typeof merged.handler !== 'function') problems.push('handler must be a function');
  if (typeof merged.client?.send !== 'function') problems.push('client must be a KinesisClient');
  if (typeof readAheadRecords === 'number' && readAheadRecords < merged.batchSize) {
    problems.push(`readAheadRecords (${readAheadRecords}) must be >= batchSize (${merged.batchSize})`);
  }
  const pollBackoff = resolveBackoff('pollBackoff', merged.pollBackoff, DEFAULT_POLL_BACKOFF, problems);
  const retryBackoff = resolveBackoff('retryBackoff', merged.retryBackoff, DEFAULT_RETRY_BACKOFF, problems);
  if (problems.length > 0) throw new MappingOptionsError(problems);

  return {
    batchSize: merged.batchSize,
    batchWindowSeconds: merged.batchWindowSeconds,
    startingPosition: merged.startingPosition,
    startingPositionTimestamp: merged.startingPositionTimestamp,
    parallelizationFactor: merged.parallelizationFactor,
    maximumRetryAttempts: merged.maximumRetryAttempts,
    maximumRecordAgeSeconds: merged.maximumRecordAgeSeconds,
    bisectBatchOnFunctionError: merged.bisectBatchOnFunctionError,
    reportBatchItemFailures: merged.reportBatchItemFailures,
    tumblingWindowSeconds: merged.tumblingWindowSeconds,
    client: options.client,
    streamName: options.streamName,
    handler: options.handler,
    functionName: merged.functionName,
    functionArn: merged.functionArn,
    invokeIdentityArn: merged.invokeIdentityArn,
    checkpointFile: merged.checkpointFile,
    deadLetterFile: merged.deadLetterFile,
    deadLetterData: options.deadLetterData === true,
    startingTimestampMs,
    functionTimeoutSeconds: merged.functionTimeoutSeconds,
    pollIntervalMs: merged.pollIntervalMs,
    requestTimeoutMs: merged.requestTimeoutMs,
    readAheadRecords,
    shardDiscoveryIntervalMs: merged.shardDiscoveryIntervalMs,
    pollBackoff,
    retryBackoff,
    clock: merged.clock ?? systemClock,
    random: merged.random ?? Math.random,
    logger: merged.logger,
  };
}
