import { setTimeout as delay } from 'node:timers/promises';
import { definedFields } from '../options';
import { chunkByLimits, type ChunkLimits } from './chunk';

/** Bounded retry with exponential backoff and full jitter; every field has a default. */
export interface RetryOptions {
  /** Requests per chunk, the first included (default 4). */
  maxAttempts?: number;
  /** Cap of the first backoff (default 100 ms); doubles per retry. */
  baseDelayMs?: number;
  /** Upper bound of any single backoff (default 2,000 ms). */
  maxDelayMs?: number;
  /** Injectable for tests; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests; returns [0, 1), defaults to Math.random. */
  random?: () => number;
  /** Called before each resend (the generator counts them; see PutOutcome.resent). */
  onResend?: (resend: Resend) => void;
}

/** One request that sends entries again. */
export interface Resend {
  entries: number;
  /** The failed request may have stored them (mayHaveBeenStored): the resend may duplicate them. */
  unconfirmed: boolean;
  /** The error code that caused the resend. */
  reason: string;
}

/** Options of putRecordsReliably / putRecordBatchReliably. */
export interface DeliveryOptions extends RetryOptions {
  /**
   * What to do with later chunks once one chunk has entries that could not be delivered.
   * `continue` (default) sends them anyway: the most data delivered (generator, re-ingestion).
   * `stop` reports them as `NotAttempted` without sending: per-key order kept across chunks and no
   * work a checkpointing consumer would repeat after reporting its first undelivered record.
   */
  afterFailedChunk?: 'continue' | 'stop';
}

export type ResolvedDeliveryOptions = Required<DeliveryOptions>;

export interface FailedEntry {
  /** Position of the entry in the caller's input array. */
  index: number;
  errorCode: string;
  errorMessage: string;
}

export interface PutOutcome {
  acknowledged: number;
  /** Sorted by index. */
  failed: FailedEntry[];
  /** Requests sent (every chunk, every retry). */
  attempts: number;
  /** Requests that resent a chunk's entries (attempts beyond each chunk's first). */
  retries: number;
  /** Entries sent again (each resend counts its entries). */
  resent: number;
  /** Of those, entries whose earlier request may have stored them: possible duplicates downstream. */
  resentUnconfirmed: number;
}

export const DEFAULT_RETRY_OPTIONS = {
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
} as const;

const sleepWithTimer = async (ms: number): Promise<void> => {
  await delay(ms);
};

/** Merges defaults and validates once per call; a typo or a negative value fails immediately. */
export function resolveDeliveryOptions(options: DeliveryOptions = {}): ResolvedDeliveryOptions {
  const resolved: ResolvedDeliveryOptions = {
    ...DEFAULT_RETRY_OPTIONS,
    sleep: sleepWithTimer,
    random: Math.random,
    onResend: () => undefined,
    afterFailedChunk: 'continue',
    ...definedFields(options),
  };
  if (!Number.isSafeInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) {
    throw new Error(
      `retry options: maxAttempts must be an integer >= 1, got ${String(resolved.maxAttempts)}`,
    );
  }
  for (const field of ['baseDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(resolved[field]) || resolved[field] < 0) {
      throw new Error(`retry options: ${field} must be a number >= 0, got ${String(resolved[field])}`);
    }
  }
  if (resolved.maxDelayMs < resolved.baseDelayMs) {
    throw new Error(
      `retry options: maxDelayMs (${resolved.maxDelayMs}) must be >= baseDelayMs (${resolved.baseDelayMs})`,
    );
  }
  if (!['continue', 'stop'].includes(resolved.afterFailedChunk)) {
    throw new Error(
      `retry options: afterFailedChunk must be "continue" or "stop", got ${String(resolved.afterFailedChunk)}`,
    );
  }
  return resolved;
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, cap). */
export function backoffDelay(
  retry: number,
  options: Pick<ResolvedDeliveryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(options.random() * cap);
}

/** Thrown-error names worth another try: throttling and transient server faults. */
const RETRYABLE_ERROR_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'KMSThrottlingException',
  'LimitExceededException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalFailureException',
  'InternalError',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Socket-level failures (the request may not have reached the service). */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
]);

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** Whether an error thrown by a whole API call is transient (throttling, 5xx, transport). */
export function isRetryableError(error: unknown): boolean {
  // Stryker disable next-line ConditionalExpression: equivalent; a primitive has none of the fields read below
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkLikeError;
  if (e.name === 'AbortError') return false;
  if (e.$retryable) return true;
  // Equivalent without the typeof checks: the sets hold only strings, so has() of anything else is false.
  // Stryker disable next-line ConditionalExpression: equivalent, see above
  if (typeof e.name === 'string' && RETRYABLE_ERROR_NAMES.has(e.name)) return true;
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, see above
  if (typeof e.code === 'string' && RETRYABLE_NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status === 429 || status >= 500);
}

/** Failures that prove the request was not processed: throttled, refused, or never connected. */
const NOT_STORED_ERROR_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'KMSThrottlingException',
  'LimitExceededException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
]);
const NOT_STORED_NETWORK_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether a failed call may still have stored what it sent. A timeout, a connection reset or a 5xx after
 * the request went out leaves it unknown (the server may have written and then failed to answer), so a
 * resend may duplicate; throttling, 503/429 and a connection never made prove nothing was stored.
 */
export function mayHaveBeenStored(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const e = error as SdkLikeError;
  if (typeof e.name === 'string' && NOT_STORED_ERROR_NAMES.has(e.name)) return false;
  if (typeof e.code === 'string' && NOT_STORED_NETWORK_CODES.has(e.code)) return false;
  if ((e.$retryable as { throttling?: unknown } | undefined)?.throttling === true) return false;
  const status = e.$metadata?.httpStatusCode;
  return !(status === 429 || status === 503);
}

export function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { name, code } = error as SdkLikeError;
    if (typeof name === 'string' && name !== 'Error') return name;
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'UnknownError';
}

export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { message } = error as SdkLikeError;
    if (typeof message === 'string') return message;
  }
  return String(error);
}

/**
 * Per-entry error codes that another attempt will not fix (configuration of the key or stream).
 * Everything else an API reports per entry (ProvisionedThroughputExceededException,
 * InternalFailure, ServiceUnavailableException, KMSThrottlingException, codes added later) is
 * treated as transient and resent.
 */
const PERMANENT_ENTRY_ERRORS = new Set([
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'AccessDeniedException',
  'ResourceNotFoundException',
  'InvalidArgumentException',
  'ValidationException',
]);

export function isRetryableEntryError(errorCode: string): boolean {
  return !PERMANENT_ENTRY_ERRORS.has(errorCode);
}

/** One entry validated and sized once, with its request shape built once (reused on every retry). */
export interface PreparedEntry<R> {
  index: number;
  size: number;
  request: R;
}

/** The per-entry part of PutRecords / PutRecordBatch responses, in request order. */
export interface EntryResult {
  ErrorCode?: string;
  ErrorMessage?: string;
}

export type SendChunk<R> = (requests: R[]) => Promise<readonly EntryResult[] | undefined>;

/**
 * Sends prepared entries in chunks, one chunk at a time, resending only the entries a response
 * marks as failed (in their original relative order) until they succeed, fail permanently or the
 * attempts run out. Whole-call errors are retried the same bounded way when transient. This is the only
 * retry layer for Kinesis and Firehose writes: the SDK clients send each request once (docs/retries.md).
 */
export async function deliverInChunks<R>(
  prepared: readonly PreparedEntry<R>[],
  upfrontFailures: FailedEntry[],
  limits: ChunkLimits,
  send: SendChunk<R>,
  options: ResolvedDeliveryOptions,
): Promise<PutOutcome> {
  const { chunks, rejected } = chunkByLimits(prepared, (entry) => entry.size, limits);
  const failed: FailedEntry[] = [...upfrontFailures];
  // Callers pre-validate sizes, so this only fires if their per-entry limit exceeds the request limit.
  for (const rejection of rejected) {
    failed.push({
      index: rejection.item.index,
      errorCode: 'RecordTooLarge',
      errorMessage: rejection.message,
    });
  }
  let acknowledged = 0;
  let attempts = 0;
  let retries = 0;
  let resent = 0;
  let resentUnconfirmed = 0;
  let stopped = false;
  for (const chunk of chunks) {
    if (stopped) {
      for (const entry of chunk) {
        failed.push({
          index: entry.index,
          errorCode: 'NotAttempted',
          errorMessage: 'not sent: an earlier chunk had undelivered entries (afterFailedChunk: stop)',
        });
      }
      continue;
    }
    const result = await deliverChunk(chunk, send, options);
    attempts += result.attempts;
    retries += result.retries;
    resent += result.resent;
    resentUnconfirmed += result.resentUnconfirmed;
    acknowledged += result.acknowledged;
    failed.push(...result.failed);
    if (result.failed.length > 0 && options.afterFailedChunk === 'stop') stopped = true;
  }
  failed.sort((a, b) => a.index - b.index);
  return { acknowledged, failed, attempts, retries, resent, resentUnconfirmed };
}

async function deliverChunk<R>(
  chunk: readonly PreparedEntry<R>[],
  send: SendChunk<R>,
  options: ResolvedDeliveryOptions,
): Promise<PutOutcome> {
  let pending = chunk;
  const failed: FailedEntry[] = [];
  let acknowledged = 0;
  let attempts = 0;
  let resent = 0;
  let resentUnconfirmed = 0;
  // Why the next request resends: set by each failure that is retried.
  let resend = { unconfirmed: false, reason: '' };
  let lastErrors = new Map<number, { errorCode: string; errorMessage: string }>();
  while (pending.length > 0 && attempts < options.maxAttempts) {
    if (attempts > 0) {
      await options.sleep(backoffDelay(attempts, options));
      resent += pending.length;
      if (resend.unconfirmed) resentUnconfirmed += pending.length;
      options.onResend({ entries: pending.length, ...resend });
    }
    attempts += 1;
    let results: readonly EntryResult[] | undefined;
    try {
      results = await send(pending.map((entry) => entry.request));
    } catch (error) {
      const code = errorName(error);
      const message = errorMessage(error);
      lastErrors = new Map(pending.map((entry) => [entry.index, { errorCode: code, errorMessage: message }]));
      if (isRetryableError(error)) {
        resend = { unconfirmed: mayHaveBeenStored(error), reason: code };
        continue;
      }
      break;
    }
    if (results === undefined || results.length !== pending.length) {
      // Which entries were stored is unknown; resending could duplicate, so report them instead.
      const message = `response had ${results?.length ?? 'no'} entry results for ${pending.length} entries sent`;
      for (const entry of pending) {
        failed.push({ index: entry.index, errorCode: 'UnexpectedResponse', errorMessage: message });
      }
      pending = [];
      break;
    }
    const retry: PreparedEntry<R>[] = [];
    lastErrors = new Map();
    for (let position = 0; position < pending.length; position += 1) {
      const entry = pending[position] as PreparedEntry<R>;
      const { ErrorCode, ErrorMessage } = results[position] as EntryResult;
      if (ErrorCode === undefined || ErrorCode === null || ErrorCode === '') {
        acknowledged += 1;
        continue;
      }
      const failure = { errorCode: ErrorCode, errorMessage: ErrorMessage ?? '' };
      if (isRetryableEntryError(ErrorCode)) {
        // A per-entry error code means the entry was not stored: resending it cannot duplicate.
        resend = { unconfirmed: false, reason: ErrorCode };
        retry.push(entry);
        lastErrors.set(entry.index, failure);
      } else {
        failed.push({ index: entry.index, ...failure });
      }
    }
    pending = retry;
  }
  for (const entry of pending) {
    // Unreachable fallback: every way out of the loop with entries pending records their last error.
    // Stryker disable next-line ObjectLiteral,StringLiteral: equivalent, see above
    const last = lastErrors.get(entry.index) ?? { errorCode: 'NotAttempted', errorMessage: '' };
    failed.push({
      index: entry.index,
      errorCode: last.errorCode,
      errorMessage: `${last.errorMessage} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
    });
  }
  return {
    acknowledged,
    failed,
    attempts,
    retries: Math.max(0, attempts - 1),
    resent,
    resentUnconfirmed,
  };
}
