/**
 * One lane of a shard: the records of the partition keys that hash to it, delivered one batch at a time in
 * shard order (with parallelization factor 1 the lane is the whole shard). Here live Lambda's batching
 * (batch size, batching window, 6 MB payload), Lambda's failure handling (partial batch
 * responses, bisect, retries, record age, on-failure records) and tumbling windows.
 *
 * Retries are counted per checkpoint: a failed invocation that moved nothing forward is an attempt against
 * the current first record; any progress (a partial success, a completed half) starts the count again.
 */
import { randomUUID } from 'node:crypto';
import type { KinesisStreamEvent } from 'aws-lambda';
import {
  interpretResponse,
  MAX_INVOCATION_PAYLOAD_BYTES,
  MAX_WINDOW_STATE_BYTES,
  onFailureRecord,
  toEventRecord,
  toWindowEvent,
  windowTimestamp,
  type BatchOutcome,
  type EventContext,
  type MappingRecord,
  type OnFailureCondition,
  type ResponseContext,
  type ResponseRules,
} from './esm-events';
import type { KinesisWindowEvent } from './esm-options';
import { backoffMs, Wakeup, type MappingRuntime } from './esm-runtime';
import type { WindowCheckpoint } from './checkpoints';

export interface LaneHost {
  readonly shardId: string;
  readonly eventContext: EventContext;
  /** The reader reached the end of a closed shard: no more records will come. */
  readonly closed: boolean;
  /** The lane completed records or changed its window: move the shard checkpoint and persist. */
  progressed(): void;
}

interface OpenWindow {
  startMs: number;
  endMs: number;
  state: Record<string, unknown>;
  terminatedEarly: boolean;
}

class FunctionTimeoutError extends Error {
  override name = 'Sandbox.Timedout';
}

type AnyHandler = (event: KinesisStreamEvent | KinesisWindowEvent) => unknown;

const NO_INVOCATION: ResponseContext = { statusCode: 200, executedVersion: '$LATEST', functionError: 'None' };

export class Lane {
  private queue: MappingRecord[] = [];
  private head = 0;
  /** Exact sizes of the next batches while a failed batch is being bisected. */
  private splits: number[] = [];
  /** Failed invocations, not counting bisection, since the first record last changed. */
  private attempts = 0;
  /** Invocations that carried the current first record. */
  private invokeCount = 0;
  private lastRequestId = '';
  private lastResponse: ResponseContext = NO_INVOCATION;
  private finalAttempts = 0;
  private window: OpenWindow | undefined;
  private readonly wake = new Wakeup();
  private readonly windowMs: number;
  private readonly batchWindowMs: number;
  private readonly maxAgeMs: number;
  private running: Promise<void> | undefined;
  /** An invocation is under way. */
  busy = false;
  /** Last sequence number this lane processed or skipped. */
  lastDone: string | undefined;

  constructor(
    private readonly runtime: MappingRuntime,
    private readonly host: LaneHost,
    readonly index: number,
    restored?: { lastDone?: string; window?: WindowCheckpoint },
  ) {
    const { tumblingWindowSeconds, batchWindowSeconds, maximumRecordAgeSeconds } = runtime.options;
    this.windowMs = tumblingWindowSeconds * 1000;
    this.batchWindowMs = batchWindowSeconds * 1000;
    this.maxAgeMs =
      maximumRecordAgeSeconds === -1 ? Number.POSITIVE_INFINITY : maximumRecordAgeSeconds * 1000;
    this.lastDone = restored?.lastDone;
    if (restored?.window) this.window = { ...restored.window, terminatedEarly: false };
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Nothing queued, nothing in flight (an open tumbling window may still wait for its end). */
  get idle(): boolean {
    return !this.busy && this.pending === 0;
  }

  get openWindow(): WindowCheckpoint | undefined {
    return (
      this.window && { startMs: this.window.startMs, endMs: this.window.endMs, state: this.window.state }
    );
  }

  push(records: MappingRecord[]): void {
    for (const record of records) this.queue.push(record);
    this.wake.notify();
  }

  notify(): void {
    this.wake.notify();
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Resolves once the loop has exited (after stop); the batch in flight is settled first. */
  async stopped(): Promise<void> {
    await this.running;
  }

  private async loop(): Promise<void> {
    const { signal, clock, logger } = this.runtime;
    let crashes = 0;
    while (!signal.aborted) {
      let waitMs: number | undefined;
      try {
        waitMs = await this.step();
        crashes = 0;
      } catch (error) {
        // A defect here must not silently stop the lane: say so, back off, and go on from the checkpoint.
        crashes += 1;
        logger.error('event source mapping lane failed', {
          shardId: this.host.shardId,
          lane: this.index,
          error: String(error),
        });
        waitMs = this.retryDelay(crashes);
      }
      if (waitMs !== undefined && !signal.aborted) await this.wake.wait(waitMs, clock, signal);
    }
  }

  /** Does one thing; returns how long to wait before the next step, or undefined to go on at once. */
  private async step(): Promise<number | undefined> {
    const now = this.runtime.clock.now();
    if (await this.skipExpired(now)) return undefined;
    if (this.window && this.windowDue(now)) return this.finalInvoke();
    if (this.pending === 0)
      return this.window ? Math.max(0, this.window.endMs - now) : Number.POSITIVE_INFINITY;

    const { size, more } = this.batchExtent();
    if (
      this.splits.length === 0 &&
      this.batchWindowMs > 0 &&
      size < this.runtime.options.batchSize &&
      !more &&
      !this.host.closed
    ) {
      const deadline =
        this.queue[this.head]!.deliveries === 0 ? this.firstSeenMs() + this.batchWindowMs : now;
      if (now < deadline) return deadline - now;
    }
    return this.invoke(this.queue.slice(this.head, this.head + size));
  }

  /** When the first waiting record was read (the batching window runs from there). */
  private firstSeenMs(): number {
    return this.queue[this.head]!.receivedMs;
  }

  private windowStartOf(record: MappingRecord): number {
    return Math.floor(record.arrivalMs / this.windowMs) * this.windowMs;
  }

  private windowDue(now: number): boolean {
    const window = this.window!;
    if (window.terminatedEarly) return true;
    if (this.pending > 0) return this.windowStartOf(this.queue[this.head]!) >= window.endMs;
    return now >= window.endMs || this.host.closed;
  }

  /** Records of the next batch, and whether more are waiting behind it (so no point in waiting). */
  private batchExtent(): { size: number; more: boolean } {
    const limit = this.splits[0] ?? Math.min(this.runtime.options.batchSize, this.pending);
    const windowStart = this.windowMs > 0 ? this.windowStartOf(this.queue[this.head]!) : undefined;
    let bytes = 0;
    let size = 0;
    while (size < limit) {
      const record = this.queue[this.head + size]!;
      if (windowStart !== undefined && this.windowStartOf(record) !== windowStart)
        return { size, more: true };
      if (size > 0 && bytes + record.size > MAX_INVOCATION_PAYLOAD_BYTES) return { size, more: true };
      bytes += record.size;
      size += 1;
    }
    return { size, more: this.pending > size };
  }

  /** MaximumRecordAgeInSeconds: records too old at the head are skipped and reported, a batch at a time. */
  private async skipExpired(now: number): Promise<boolean> {
    if (this.pending === 0 || now - this.queue[this.head]!.arrivalMs <= this.maxAgeMs) return false;
    let count = 0;
    const limit = Math.min(this.pending, this.runtime.options.batchSize);
    while (count < limit && now - this.queue[this.head + count]!.arrivalMs > this.maxAgeMs) count += 1;
    const records = this.queue.slice(this.head, this.head + count);
    this.runtime.counters.expiredRecords += count;
    await this.sendToDeadLetter(
      records,
      'RecordAgeExceeded',
      `${count} record(s) older than maximumRecordAgeSeconds (${this.runtime.options.maximumRecordAgeSeconds})`,
    );
    this.consumeSplits(count);
    this.complete(count);
    return true;
  }

  /** Removes `count` records from the pending bisect sizes (they left the head without a batch of their own). */
  private consumeSplits(count: number): void {
    let left = count;
    while (left > 0 && this.splits.length > 0) {
      const first = this.splits[0]!;
      if (first <= left) {
        left -= first;
        this.splits.shift();
      } else {
        this.splits[0] = first - left;
        left = 0;
      }
    }
  }

  private context(): EventContext {
    return this.host.eventContext;
  }

  private async invoke(batch: MappingRecord[]): Promise<number | undefined> {
    const { runtime } = this;
    const { counters, options, clock } = runtime;
    const context = this.context();
    const records = batch.map((record) => toEventRecord(record, context));
    if (this.windowMs > 0 && !this.window) {
      const startMs = this.windowStartOf(batch[0]!);
      this.window = { startMs, endMs: startMs + this.windowMs, state: {}, terminatedEarly: false };
    }
    const event: KinesisStreamEvent | KinesisWindowEvent = this.window
      ? toWindowEvent(
          records,
          { ...this.window, isFinalInvokeForWindow: false, isWindowTerminatedEarly: false },
          context,
        )
      : { Records: records };
    for (const record of batch) {
      if (record.deliveries > 0) counters.redeliveredRecords += 1;
      record.deliveries += 1;
    }
    counters.batches += 1;
    counters.records += batch.length;
    this.invokeCount += 1;
    const requestId = randomUUID();
    const started = clock.now();
    const outcome = await this.call(event, batch, requestId, {
      reportBatchItemFailures: options.reportBatchItemFailures,
      windowed: this.windowMs > 0,
    });
    this.lastRequestId = requestId;

    const failed = outcome.kind !== 'success';
    runtime.emit('batch', {
      shardId: this.host.shardId,
      lane: this.index,
      requestId,
      size: batch.length,
      firstSequenceNumber: batch[0]!.sequenceNumber,
      lastSequenceNumber: batch[batch.length - 1]!.sequenceNumber,
      outcome: outcome.kind,
      ...(outcome.kind === 'failure' && { reason: outcome.reason, message: outcome.message }),
      ...(outcome.kind === 'partial' && { reason: 'itemFailure' as const }),
      attempt: failed ? this.attempts + 1 : 0,
      durationMs: clock.now() - started,
    });
    return this.settle(batch, outcome, options.bisectBatchOnFunctionError);
  }

  /** Invokes the handler as Lambda would: a thrown error or an unreadable response is a failed invocation. */
  private async call(
    event: KinesisStreamEvent | KinesisWindowEvent,
    batch: readonly MappingRecord[],
    requestId: string,
    rules: ResponseRules,
  ): Promise<BatchOutcome> {
    const { counters, options, logger } = this.runtime;
    counters.inFlightBatches += 1;
    this.busy = true;
    let outcome: BatchOutcome;
    try {
      const raw = await this.withTimeout((options.handler as AnyHandler)(event));
      this.lastResponse = NO_INVOCATION;
      // Through JSON, as over the Invoke API: undefined → null, Dates → strings, functions dropped.
      const json = raw === undefined ? undefined : JSON.stringify(raw);
      outcome = interpretResponse(json === undefined ? null : JSON.parse(json), batch, rules);
    } catch (error) {
      counters.handlerErrors += 1;
      this.lastResponse = { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' };
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      outcome = { kind: 'failure', reason: 'functionError', message: `the handler threw ${message}` };
    } finally {
      counters.inFlightBatches -= 1;
      this.busy = false;
    }
    if (outcome.kind !== 'success') {
      counters.failedBatches += 1;
      counters.failureReasons[outcome.kind === 'partial' ? 'itemFailure' : outcome.reason] += 1;
      logger.debug('batch failed', {
        shardId: this.host.shardId,
        requestId,
        size: batch.length,
        outcome: outcome.kind,
        ...(outcome.kind === 'failure' && { reason: outcome.reason, message: outcome.message }),
      });
    }
    return outcome;
  }

  /** Lambda's function timeout; the message is the one Lambda reports. */
  private async withTimeout(result: unknown): Promise<unknown> {
    const seconds = this.runtime.options.functionTimeoutSeconds;
    if (seconds === 0 || !(result instanceof Promise)) return result;
    const done = new AbortController();
    const timeout = this.runtime.clock.sleep(seconds * 1000, done.signal).then(() => {
      if (!done.signal.aborted)
        throw new FunctionTimeoutError(`Task timed out after ${seconds.toFixed(2)} seconds`);
    });
    try {
      return await Promise.race([result, timeout]);
    } finally {
      done.abort();
    }
  }

  private async settle(
    batch: MappingRecord[],
    outcome: BatchOutcome,
    bisect: boolean,
  ): Promise<number | undefined> {
    const { counters, options } = this.runtime;
    const size = batch.length;
    if (outcome.kind === 'success') {
      this.adoptState(outcome.state);
      if (this.splits.length > 0) this.splits.shift();
      counters.succeededRecords += size;
      this.complete(size);
      return undefined;
    }
    if (outcome.kind === 'partial' && outcome.failedIndex > 0) {
      // Checkpoint at the lowest reported record; with bisect on, the rest becomes a batch of its own.
      this.adoptState(outcome.state);
      if (this.splits.length > 0) this.splits[0] = size - outcome.failedIndex;
      else if (bisect) this.splits.unshift(size - outcome.failedIndex);
      counters.succeededRecords += outcome.failedIndex;
      counters.retries += 1;
      this.complete(outcome.failedIndex);
      return this.retryDelay(1);
    }
    // Nothing moved forward.
    if (bisect && size > 1) {
      const first = Math.ceil(size / 2);
      if (this.splits.length > 0) this.splits.splice(0, 1, first, size - first);
      else this.splits.unshift(first, size - first);
      counters.bisects += 1;
      return undefined;
    }
    this.attempts += 1;
    const limit = options.maximumRetryAttempts;
    if (limit !== -1 && this.attempts > limit) {
      const why =
        outcome.kind === 'failure' ? outcome.message : 'the response reported the first record as failed';
      await this.sendToDeadLetter(
        batch,
        'RetryAttemptsExhausted',
        `${this.attempts} failed attempt(s): ${why}`,
      );
      if (this.splits.length > 0) this.splits.shift();
      this.complete(size);
      return undefined;
    }
    counters.retries += 1;
    return this.retryDelay(this.attempts);
  }

  private retryDelay(attempt: number): number {
    const { retryBackoff } = this.runtime.options;
    return backoffMs(attempt, retryBackoff, this.runtime.options.random);
  }

  /** Takes the window state from a response; above 1 MB the window ends early, as in Lambda. */
  private adoptState(state: Record<string, unknown> | undefined): void {
    if (!this.window || !state) return;
    this.window.state = state;
    if (Buffer.byteLength(JSON.stringify(state)) > MAX_WINDOW_STATE_BYTES) this.window.terminatedEarly = true;
  }

  /** The head `count` records are processed or skipped; the checkpoint may move past them. */
  private complete(count: number): void {
    if (count === 0) return;
    for (let index = this.head; index < this.head + count; index += 1) this.queue[index]!.done = true;
    this.lastDone = this.queue[this.head + count - 1]!.sequenceNumber;
    this.head += count;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.attempts = 0;
    this.invokeCount = 0;
    this.host.progressed();
  }

  private async sendToDeadLetter(
    records: MappingRecord[],
    condition: OnFailureCondition,
    reason: string,
  ): Promise<void> {
    const { runtime } = this;
    const record = onFailureRecord({
      records,
      shardId: this.host.shardId,
      streamArn: runtime.streamArn,
      functionArn: runtime.functionArn,
      condition,
      requestId: this.invokeCount > 0 ? this.lastRequestId : randomUUID(),
      approximateInvokeCount: this.invokeCount,
      response: this.invokeCount > 0 ? this.lastResponse : NO_INVOCATION,
      nowMs: runtime.clock.now(),
    });
    runtime.counters.deadLetterBatches += 1;
    runtime.counters.deadLetterRecords += records.length;
    await runtime.deadLetter({ record, reason, records });
  }

  /**
   * The final invoke of a window: no records, the state, isFinalInvokeForWindow. Synchronous and retried until
   * it succeeds (processing of the lane is suspended meanwhile, as Lambda does).
   */
  private async finalInvoke(): Promise<number | undefined> {
    const { runtime } = this;
    const window = this.window!;
    const event = toWindowEvent(
      [],
      { ...window, isFinalInvokeForWindow: true, isWindowTerminatedEarly: window.terminatedEarly },
      this.context(),
    );
    // Its response needs the state only; there are no records to report.
    const outcome = await this.call(event, [], randomUUID(), {
      reportBatchItemFailures: false,
      windowed: true,
    });
    if (outcome.kind !== 'success') {
      this.finalAttempts += 1;
      runtime.counters.retries += 1;
      return this.retryDelay(this.finalAttempts);
    }
    this.finalAttempts = 0;
    this.window = undefined;
    runtime.counters.windowFinalInvokes += 1;
    runtime.emit('window', {
      shardId: this.host.shardId,
      lane: this.index,
      start: windowTimestamp(window.startMs),
      end: windowTimestamp(window.endMs),
      terminatedEarly: window.terminatedEarly,
      state: outcome.state ?? window.state,
    });
    this.host.progressed();
    return undefined;
  }
}
