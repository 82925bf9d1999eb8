/**
 * The S3 stage of the emulated delivery stream: compresses and writes one object, names it as Firehose does
 * (`<prefix><name>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid><ext>`), counts it, tells `onObjectCreated`, and keeps
 * track of the writes in flight so the coordinator can wait for them.
 */
import { randomUUID } from 'node:crypto';
import { isRetryableError } from '../sinks/retry';
import { putObject, S3WriteError } from '../sinks/s3';
import { bump, describeError, type StageContext } from './firehose-context';
import { DELIVERY_STREAM_VERSION, type Compression } from './firehose-settings';
import type { CreatedObject } from './firehose-types';

/** A minimal semaphore so a burst of partition flushes does not open hundreds of sockets. */
function limiter(slots: number): <T>(task: () => Promise<T>) => Promise<T> {
  let free = slots;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    else free -= 1;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    }
  };
}

/** S3 answers that retrying cannot change (the bucket or the credentials are wrong). */
const PERMANENT_S3_ERRORS = new Set([
  'NoSuchBucket',
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidBucketName',
  'AllAccessDisabled',
]);

/**
 * Whether a failed PutObject is worth another attempt: throttling and 5xx (lib/sinks/retry.ts), or no HTTP
 * answer at all (a reset, refused or timed-out connection; the SDK's error may lose its code when it crosses
 * a VM context, as under jest). An answered 4xx and the named permanent errors are final.
 */
export function isTransientS3Error(error: unknown): boolean {
  const cause = error instanceof S3WriteError ? error.cause : error;
  if (isRetryableError(cause)) return true;
  if (typeof cause !== 'object' || cause === null) return false;
  const { name, $metadata } = cause as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof $metadata?.httpStatusCode === 'number') return false;
  return !(typeof name === 'string' && PERMANENT_S3_ERRORS.has(name));
}

export class ObjectWriter {
  private readonly inflight = new Set<Promise<void>>();
  private readonly writeSlot: <T>(task: () => Promise<T>) => Promise<T>;

  constructor(private readonly context: StageContext) {
    this.writeSlot = limiter(context.settings.writeConcurrency);
  }

  /** Tasks (object writes with their bookkeeping) not yet finished. */
  get busy(): number {
    return this.inflight.size;
  }

  /** Runs `task` in the background; a rejection is logged, never lost silently. */
  track(task: Promise<void>): void {
    const tracked = task.catch((error: unknown) =>
      this.context.logger().error('emulated Firehose: write task failed', { error: describeError(error) }),
    );
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }

  /** Resolves when the tasks in flight now are done (new ones may have started meanwhile). */
  async settled(): Promise<void> {
    await Promise.all([...this.inflight]);
  }

  /**
   * Compresses and writes one object; true when stored. A failure is logged, told to `onFailure` (why, no
   * payload) and never thrown.
   */
  async write(
    prefix: string,
    body: Buffer,
    records: number,
    kind: CreatedObject['kind'],
    compression: Compression = this.context.settings.compression,
    onFailure?: (why: string) => void,
  ): Promise<boolean> {
    const { options, counters, settings } = this.context;
    const { bucket } = options;
    // One key per object, kept across retries: a write that succeeded but answered 500 is overwritten.
    const key = this.objectKey(prefix, compression.extension);
    let stored: Buffer;
    try {
      stored = await compression.encode(body, settings.gzipLevel);
    } catch (error) {
      this.context.logger().error('emulated Firehose: object write failed', {
        key,
        records,
        error: describeError(error),
      });
      onFailure?.(`compression failed: ${describeError(error)}`);
      return false;
    }
    const failure = await this.putWithRetries(key, stored, records);
    if (failure !== undefined) {
      onFailure?.(failure);
      return false;
    }
    counters.objects += 1;
    counters.bytes += stored.length;
    const perPrefix = (counters.byPrefix[prefix] ??= { objects: 0, bytes: 0, records: 0 });
    perPrefix.objects += 1;
    perPrefix.bytes += stored.length;
    perPrefix.records += records;
    if (options.onObjectCreated) {
      try {
        await options.onObjectCreated({ bucket, key, size: stored.length, records, kind });
      } catch (error) {
        // The object is stored; a failing listener is the listener's problem, reported not rethrown.
        this.context.logger().error('emulated Firehose: onObjectCreated failed', {
          key,
          error: describeError(error),
        });
        bump(counters.errorsByCode, 'onObjectCreated.Failed');
      }
    }
    return true;
  }

  /**
   * PutObject, retried on transient faults with doubling waits until their sum would pass `s3Retry.windowMs`;
   * every attempt writes the same key. Undefined when stored, else why not; a failure is logged, never thrown.
   */
  private async putWithRetries(key: string, stored: Buffer, records: number): Promise<string | undefined> {
    const { options, counters, settings } = this.context;
    const { windowMs, initialDelayMs, maxDelayMs, sleep } = settings.s3Retry;
    let waited = 0;
    for (let retry = 1; ; retry += 1) {
      try {
        await this.writeSlot(() =>
          putObject(options.s3, {
            bucket: options.bucket,
            key,
            body: stored,
            encryption: options.encryption ?? { mode: 'none' },
          }),
        );
        return undefined;
      } catch (error) {
        const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** (retry - 1));
        const transient = isTransientS3Error(error);
        if (!transient || waited + delay > windowMs) {
          this.context.logger().error('emulated Firehose: object write failed', {
            key,
            records,
            attempts: retry,
            error: describeError(error),
            ...(transient && { reason: `still failing after ${waited} ms of retries (s3Retry.windowMs)` }),
          });
          return `${describeError(error)} (after ${retry} attempt(s))`;
        }
        counters.s3Retries += 1;
        waited += delay;
        await sleep(delay);
      }
    }
  }

  private objectKey(prefix: string, extension: string): string {
    const suffix = this.context.options.objectSuffix?.() ?? randomUUID();
    const time = this.context.settings.objectTime(new Date(this.context.clock.now()));
    return `${prefix}${this.context.name}-${DELIVERY_STREAM_VERSION}-${time}-${suffix}${extension}`;
  }
}
