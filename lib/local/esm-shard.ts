/**
 * The poller of one shard: GetShardIterator / GetRecords in a loop, records handed to the partition-key
 * lanes, and the shard checkpoint (the highest sequence number below which every record is processed or
 * skipped) moved and persisted as the lanes settle. Kinesis faults (connection refused, timeouts, expired
 * iterators, throttling) back the poller off and it re-reads from the last record it holds, so records are
 * neither lost nor duplicated by a fault.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type _Record,
} from '@aws-sdk/client-kinesis';
import {
  compareSequenceNumbers,
  laneOf,
  recordSize,
  type EventContext,
  type MappingRecord,
} from './esm-events';
import { Lane, type LaneHost } from './esm-lane';
import { backoffMs, sleepUnlessStopped, Wakeup, type MappingRuntime } from './esm-runtime';
import type { ShardCheckpoint } from './checkpoints';
import { withDeadline } from './deadline';

/** Where the next iterator starts. */
type ReadPosition =
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string }
  | { type: 'AT_TIMESTAMP'; timestampMs: number }
  | { type: 'TRIM_HORIZON' }
  | { type: 'LATEST' };

/** Largest Limit GetRecords accepts. */
const GET_RECORDS_LIMIT = 10_000;

export interface ShardStatus {
  shardId: string;
  checkpoint: string | undefined;
  bufferedRecords: number;
  caughtUp: boolean;
  closed: boolean;
  finished: boolean;
  consecutiveErrors: number;
  iteratorAgeMs: number;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export class ShardPoller implements LaneHost {
  readonly eventContext: EventContext;
  readonly lanes: Lane[];
  /** Records read and not yet past the shard checkpoint, in shard order. */
  private inFlight: MappingRecord[] = [];
  private inFlightHead = 0;
  private checkpoint: string | undefined;
  private position: ReadPosition;
  private iterator: string | undefined;
  /** Lane checkpoints restored from the file: records at or below them were processed before a restart. */
  private laneFilter: (string | undefined)[] | undefined;
  private failures = 0;
  private readonly space = new Wakeup();
  private readonly idleWake = new Wakeup();
  private reading: Promise<void> | undefined;
  private readyResolve: (() => void) | undefined;
  /** Resolves once the poller holds its first iterator or has failed once (start() waits for it). */
  readonly ready: Promise<void>;
  /** Drain generation at which the last empty read began. */
  caughtUpGeneration = -1;
  closed = false;
  finished = false;
  iteratorAgeMs = 0;

  constructor(
    private readonly runtime: MappingRuntime,
    readonly shardId: string,
    restored: ShardCheckpoint | undefined,
    /** Start of a shard without a checkpoint (children of processed shards start at TRIM_HORIZON). */
    initial: ReadPosition,
  ) {
    const { options } = runtime;
    this.eventContext = {
      shardId,
      eventSourceARN: runtime.streamArn,
      awsRegion: runtime.awsRegion,
      invokeIdentityArn: runtime.invokeIdentityArn,
    };
    this.checkpoint = restored?.sequenceNumber;
    this.position = this.checkpoint
      ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: this.checkpoint }
      : initial;
    const factor = options.parallelizationFactor;
    const sameFactor = (restored?.parallelizationFactor ?? 1) === factor;
    if (sameFactor && restored?.lanes && factor > 1) {
      this.laneFilter = Array.from({ length: factor }, (_, lane) => restored.lanes?.[String(lane)]);
    }
    this.lanes = Array.from(
      { length: factor },
      (_, lane) =>
        new Lane(runtime, this, lane, {
          lastDone: this.laneFilter?.[lane] ?? this.checkpoint,
          window: sameFactor ? restored?.windows?.[String(lane)] : undefined,
        }),
    );
    this.ready = new Promise((resolve) => {
      this.readyResolve = resolve;
    });
  }

  static initialPosition(runtime: MappingRuntime, hasProcessedParent: boolean): ReadPosition {
    if (hasProcessedParent) return { type: 'TRIM_HORIZON' };
    const { startingPosition, startingTimestampMs } = runtime.options;
    if (startingPosition === 'AT_TIMESTAMP')
      return { type: 'AT_TIMESTAMP', timestampMs: startingTimestampMs! };
    return { type: startingPosition };
  }

  get bufferedRecords(): number {
    return this.inFlight.length - this.inFlightHead;
  }

  /** Every record read is settled and no invocation is running. */
  get settled(): boolean {
    return this.bufferedRecords === 0 && this.lanes.every((lane) => lane.idle);
  }

  status(): ShardStatus {
    return {
      shardId: this.shardId,
      checkpoint: this.checkpoint,
      bufferedRecords: this.bufferedRecords,
      caughtUp: this.caughtUpGeneration >= 0,
      closed: this.closed,
      finished: this.finished,
      consecutiveErrors: this.failures,
      iteratorAgeMs: this.iteratorAgeMs,
    };
  }

  start(): void {
    for (const lane of this.lanes) lane.start();
    this.reading ??= this.read();
  }

  /** A drain() began: poll now instead of sleeping out the poll interval. */
  pollNow(): void {
    this.idleWake.notify();
  }

  async stopped(): Promise<void> {
    this.space.notify();
    this.idleWake.notify();
    await this.reading;
    await Promise.all(this.lanes.map((lane) => lane.stopped()));
  }

  private markReady(): void {
    this.readyResolve?.();
    this.readyResolve = undefined;
  }

  private async read(): Promise<void> {
    const { runtime } = this;
    const { signal, clock, options, counters } = runtime;
    while (!signal.aborted && !this.closed) {
      if (this.bufferedRecords >= options.readAheadRecords) {
        await this.space.wait(Number.POSITIVE_INFINITY, clock, signal);
        continue;
      }
      if (!this.iterator) {
        try {
          this.iterator = await this.getIterator();
          this.markReady();
        } catch (error) {
          if (!signal.aborted) await this.fault(error, 'GetShardIterator');
          continue;
        }
      }
      const generation = runtime.drainGeneration;
      let response;
      try {
        const command = new GetRecordsCommand({
          ShardIterator: this.iterator,
          Limit: Math.min(GET_RECORDS_LIMIT, options.readAheadRecords - this.bufferedRecords),
        });
        response = await this.request((abortSignal) => runtime.client.send(command, { abortSignal }));
      } catch (error) {
        this.iterator = undefined;
        if (signal.aborted) break;
        if ((error as Error).name === 'ExpiredIteratorException') {
          counters.expiredIterators += 1;
          continue;
        }
        await this.fault(error, 'GetRecords');
        continue;
      }
      this.failures = 0;
      counters.getRecordsCalls += 1;
      const records = response.Records ?? [];
      if (records.length > 0) this.accept(records);
      this.iterator = response.NextShardIterator;
      const behind = response.MillisBehindLatest ?? 0;
      if (!this.iterator) {
        // A closed shard read to its end: the lanes finish, then the children may start.
        this.closed = true;
        for (const lane of this.lanes) lane.notify();
        this.progressed();
        break;
      }
      if (records.length === 0) {
        this.iteratorAgeMs = behind;
        this.caughtUpGeneration = generation;
        runtime.changed();
        if (behind === 0) await this.idleWake.wait(options.pollIntervalMs, clock, signal);
      } else {
        const last = records[records.length - 1]!.ApproximateArrivalTimestamp?.getTime();
        this.iteratorAgeMs = Math.max(behind, last === undefined ? 0 : Math.max(0, clock.now() - last));
      }
    }
    this.markReady();
  }

  /** The stop signal plus a per-request timeout: a stalled emulator ends in an error, not a hang. */
  private request<T>(send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(this.runtime.signal, this.runtime.options.requestTimeoutMs, send);
  }

  private async getIterator(): Promise<string> {
    const { client, clock, options } = this.runtime;
    const position = this.position;
    const input: GetShardIteratorCommandInput = {
      StreamName: options.streamName,
      ShardId: this.shardId,
      ShardIteratorType: position.type,
      ...(position.type === 'AFTER_SEQUENCE_NUMBER' && { StartingSequenceNumber: position.sequenceNumber }),
      ...(position.type === 'AT_TIMESTAMP' && { Timestamp: new Date(position.timestampMs) }),
    };
    const anchor = clock.now();
    const response = await this.request((abortSignal) =>
      client.send(new GetShardIteratorCommand(input), { abortSignal }),
    );
    if (!response.ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${this.shardId}`);
    // LATEST moves: a later re-read (after a fault) must start where this one did, not at the new tip.
    if (position.type === 'LATEST') this.position = { type: 'AT_TIMESTAMP', timestampMs: anchor };
    return response.ShardIterator;
  }

  private async fault(error: unknown, operation: 'GetShardIterator' | 'GetRecords'): Promise<void> {
    const { runtime } = this;
    this.failures += 1;
    runtime.counters.pollErrors += 1;
    const delayMs = backoffMs(this.failures, runtime.options.pollBackoff, runtime.options.random);
    const text = errorText(error);
    runtime.emit('poll-error', {
      shardId: this.shardId,
      operation,
      error: text,
      attempt: this.failures,
      delayMs,
    });
    if (this.failures === 1 || this.failures % 10 === 0) {
      runtime.logger.warn('Kinesis poll failed; backing off', {
        shardId: this.shardId,
        operation,
        error: text,
        attempt: this.failures,
        delayMs,
        position: this.position,
      });
    }
    this.markReady();
    await sleepUnlessStopped(runtime.clock, delayMs, runtime.signal);
  }

  /** Per record: one base64 encoding, one lane hash; everything else is done per batch. */
  private accept(records: _Record[]): void {
    const { runtime } = this;
    const { counters, clock, options } = runtime;
    const factor = options.parallelizationFactor;
    const now = clock.now();
    const perLane: MappingRecord[][] = Array.from({ length: factor }, () => []);
    let skipped = 0;
    for (const source of records) {
      const bytes = source.Data ?? new Uint8Array(0);
      const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
      const partitionKey = source.PartitionKey ?? '';
      const sequenceNumber = source.SequenceNumber!;
      const lane = laneOf(partitionKey, factor);
      const record: MappingRecord = {
        sequenceNumber,
        partitionKey,
        arrivalMs: source.ApproximateArrivalTimestamp?.getTime() ?? now,
        receivedMs: now,
        data,
        size: recordSize(data, partitionKey),
        lane,
        done: false,
        deliveries: 0,
      };
      const filter = this.laneFilter?.[lane];
      if (filter !== undefined) {
        if (compareSequenceNumbers(sequenceNumber, filter) <= 0) {
          record.done = true;
          skipped += 1;
        } else {
          this.laneFilter![lane] = undefined;
        }
      }
      this.inFlight.push(record);
      if (!record.done) perLane[lane]!.push(record);
    }
    const last = records[records.length - 1]!;
    this.position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last.SequenceNumber! };
    counters.recordsRead += records.length;
    counters.restartSkippedRecords += skipped;
    for (const [lane, batch] of perLane.entries()) if (batch.length > 0) this.lanes[lane]!.push(batch);
    if (skipped > 0) this.progressed();
  }

  /** Moves the shard checkpoint past settled records, persists it with the lanes' state, wakes the reader. */
  progressed(): void {
    let moved = false;
    while (this.inFlightHead < this.inFlight.length && this.inFlight[this.inFlightHead]!.done) {
      this.checkpoint = this.inFlight[this.inFlightHead]!.sequenceNumber;
      this.inFlightHead += 1;
      moved = true;
    }
    if (this.inFlightHead > 1024 && this.inFlightHead * 2 > this.inFlight.length) {
      this.inFlight = this.inFlight.slice(this.inFlightHead);
      this.inFlightHead = 0;
    }
    const finished =
      this.closed && this.bufferedRecords === 0 && this.lanes.every((lane) => !lane.openWindow);
    this.runtime.checkpoints.set(this.shardId, this.snapshot(finished));
    if (moved) this.space.notify();
    if (finished && !this.finished) {
      this.finished = true;
      this.runtime.shardFinished(this.shardId);
    }
    this.runtime.changed();
  }

  private snapshot(finished: boolean): ShardCheckpoint {
    const factor = this.runtime.options.parallelizationFactor;
    const checkpoint: ShardCheckpoint = {};
    if (this.checkpoint) checkpoint.sequenceNumber = this.checkpoint;
    if (finished) {
      checkpoint.shardEnd = true;
      return checkpoint;
    }
    if (factor > 1) {
      checkpoint.parallelizationFactor = factor;
      const lanes: Record<string, string> = {};
      for (const lane of this.lanes) {
        const done = lane.lastDone;
        if (done && (!this.checkpoint || compareSequenceNumbers(done, this.checkpoint) > 0))
          lanes[String(lane.index)] = done;
      }
      if (Object.keys(lanes).length > 0) checkpoint.lanes = lanes;
    }
    const windows: NonNullable<ShardCheckpoint['windows']> = {};
    for (const lane of this.lanes) {
      const window = lane.openWindow;
      if (window) windows[String(lane.index)] = window;
    }
    if (Object.keys(windows).length > 0) checkpoint.windows = windows;
    return checkpoint;
  }
}
