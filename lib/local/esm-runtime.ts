/**
 * What the shard pollers and lanes of one mapping share: settings, counters, the stop signal, the
 * on-failure output and the progress events. Kept apart from the mapping class so the parts do not import
 * each other in a circle.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { BatchOutcome, FailureReason, MappingRecord, OnFailureRecord } from './esm-events';
import type { BackoffOptions, MappingClock, MappingLogger, ResolvedMappingOptions } from './esm-options';
import type { CheckpointStore } from './checkpoints';

/** Per-mapping counters; a snapshot is returned by `mapping.counters`. */
export interface MappingCounters {
  /** Shards being polled now. */
  shards: number;
  getRecordsCalls: number;
  recordsRead: number;
  /** Invocations that carried records (first deliveries, retries and bisected halves). */
  batches: number;
  /** Records delivered, re-deliveries included. */
  records: number;
  /** Deliveries of records that had been delivered before. */
  redeliveredRecords: number;
  /** Records whose processing succeeded (the checkpoint moved past them as processed). */
  succeededRecords: number;
  /** Re-deliveries after a failed invocation (bisected halves not included). */
  retries: number;
  bisects: number;
  /** Invocations that failed: thrown, invalid response, or reported item failures. */
  failedBatches: number;
  /** Invocations whose handler threw. */
  handlerErrors: number;
  /** Failed invocations per reason. */
  failureReasons: Record<FailureReason, number>;
  /** On-failure records written, and the records they cover. */
  deadLetterBatches: number;
  deadLetterRecords: number;
  /** Records skipped for their age (MaximumRecordAgeInSeconds); included in deadLetterRecords. */
  expiredRecords: number;
  /** Records skipped on a restart because a lane had already processed them. */
  restartSkippedRecords: number;
  windowFinalInvokes: number;
  /** Failed Kinesis requests (each followed by a backoff). */
  pollErrors: number;
  expiredIterators: number;
  /** Highest age of the last record read per shard (0 when caught up), like Lambda's IteratorAge. */
  iteratorAgeMs: number;
  inFlightBatches: number;
  /** Records read and not yet processed. */
  bufferedRecords: number;
}

export function emptyCounters(): MappingCounters {
  return {
    shards: 0,
    getRecordsCalls: 0,
    recordsRead: 0,
    batches: 0,
    records: 0,
    redeliveredRecords: 0,
    succeededRecords: 0,
    retries: 0,
    bisects: 0,
    failedBatches: 0,
    handlerErrors: 0,
    failureReasons: {
      functionError: 0,
      invalidResponse: 0,
      misspelledKey: 0,
      invalidBatchItemFailures: 0,
      emptyItemIdentifier: 0,
      unknownItemIdentifier: 0,
      missingState: 0,
      itemFailure: 0,
    },
    deadLetterBatches: 0,
    deadLetterRecords: 0,
    expiredRecords: 0,
    restartSkippedRecords: 0,
    windowFinalInvokes: 0,
    pollErrors: 0,
    expiredIterators: 0,
    iteratorAgeMs: 0,
    inFlightBatches: 0,
    bufferedRecords: 0,
  };
}

export interface BatchReport {
  shardId: string;
  lane: number;
  requestId: string;
  size: number;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  outcome: BatchOutcome['kind'];
  /** Set when the invocation failed. */
  reason?: FailureReason;
  message?: string;
  /** Consecutive failed invocations of the current checkpoint, this one included. */
  attempt: number;
  durationMs: number;
}

export interface DeadLetterReport {
  record: OnFailureRecord;
  /** The batch the record points to (kept in the file with deadLetterData). */
  records?: readonly MappingRecord[];
  /** Why the batch was skipped, in words (the record itself carries AWS's fields only). */
  reason: string;
}

export interface PollErrorReport {
  shardId: string;
  operation: 'GetShardIterator' | 'GetRecords';
  error: string;
  /** Consecutive failures of this shard's poller. */
  attempt: number;
  delayMs: number;
}

export interface WindowReport {
  shardId: string;
  lane: number;
  start: string;
  end: string;
  terminatedEarly: boolean;
  state: Record<string, unknown>;
}

export interface ShardReport {
  shardId: string;
  state: 'started' | 'finished';
}

/** Progress events of a mapping (`mapping.on(name, listener)`). */
export interface MappingEvents {
  batch: [BatchReport];
  'dead-letter': [DeadLetterReport];
  'poll-error': [PollErrorReport];
  window: [WindowReport];
  shard: [ShardReport];
  /** A checkpoint or dead-letter write failed; the mapping keeps running and tries again. */
  fault: [Error];
}

export interface MappingRuntime {
  readonly options: ResolvedMappingOptions;
  readonly client: KinesisClient;
  readonly clock: MappingClock;
  readonly logger: MappingLogger;
  readonly counters: MappingCounters;
  readonly signal: AbortSignal;
  readonly streamArn: string;
  readonly functionArn: string;
  readonly awsRegion: string;
  readonly invokeIdentityArn: string;
  readonly checkpoints: CheckpointStore;
  /** Increments on every drain() call; an empty read that began at generation g satisfies drains <= g. */
  readonly drainGeneration: number;
  emit<K extends keyof MappingEvents>(event: K, ...args: MappingEvents[K]): void;
  deadLetter(report: DeadLetterReport): Promise<void>;
  /** Something moved: drain() waiters re-check. */
  changed(): void;
  shardFinished(shardId: string): void;
}

/** Bounded exponential backoff with jitter in the upper half, so a dead emulator is not hammered. */
export function backoffMs(attempt: number, backoff: Required<BackoffOptions>, random: () => number): number {
  const cap = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** Sleeps on the mapping clock, ending at once when `stop` aborts (whatever the clock does with signals). */
export async function sleepUnlessStopped(clock: MappingClock, ms: number, stop: AbortSignal): Promise<void> {
  await new Wakeup().wait(ms, clock, stop);
}

/**
 * A wake-up flag with a timed wait: `notify()` ends the current wait, or the next one if nobody waits.
 * The wait ends early, without throwing, when the stop signal aborts.
 */
export class Wakeup {
  private waiter: (() => void) | undefined;
  private pending = false;

  notify(): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter();
    } else {
      this.pending = true;
    }
  }

  async wait(ms: number, clock: MappingClock, stop: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    if (stop.aborted) return;
    const controller = new AbortController();
    const onStop = (): void => controller.abort();
    stop.addEventListener('abort', onStop, { once: true });
    const waits: Promise<void>[] = [
      new Promise<void>((resolve) => {
        this.waiter = resolve;
      }),
      new Promise<void>((resolve) =>
        controller.signal.addEventListener('abort', () => resolve(), { once: true }),
      ),
    ];
    if (Number.isFinite(ms)) waits.push(clock.sleep(Math.max(0, ms), controller.signal));
    try {
      await Promise.race(waits);
    } finally {
      this.waiter = undefined;
      stop.removeEventListener('abort', onStop);
      controller.abort();
    }
  }
}
