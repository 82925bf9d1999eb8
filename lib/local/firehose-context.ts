/**
 * What the stages of the emulated delivery stream share: the record shapes passed between them, the counters
 * they update, and the settings, clock and logger they read. Internal to lib/local/firehose*.ts.
 */
import type { FirehoseErrorCode } from '../firehose/contract';
import { createLogger } from '../observability/logger';
import { systemClock, type BufferLimits, type Clock, type SizeIntervalBuffer } from './firehose-buffer';
import { settingsFrom, type Settings } from './firehose-settings';
import { SourcePositions, type SourceRef } from './firehose-source';
import type {
  BufferFill,
  EmulatedFirehoseOptions,
  FirehoseCounters,
  FirehoseErrorRecord,
  FirehoseLogger,
} from './firehose-types';

export interface KinesisMetadata {
  shardId: string;
  partitionKey: string;
  approximateArrivalTimestamp: number;
  sequenceNumber: string;
  subsequenceNumber: string;
}

export interface InputRecord {
  recordId: string;
  data: Buffer;
  /** Epoch ms. */
  arrival: number;
  kinesis?: KinesisMetadata;
  /** base64 of `data`, made once for all attempts. */
  base64?: string;
  /** The stream record it was made from (Kinesis source), released once this record is durable. */
  source?: SourceRef;
}

/** One error document, or one source record for the backup. */
export interface ErrorItem {
  arrival: number;
  document: Buffer;
  /** The failed record (error documents only; a backup copy has none). */
  input?: InputRecord;
}

export interface FailureInput {
  input: InputRecord;
  rawData: Buffer;
  errorCode: FirehoseErrorCode;
  errorMessage: string;
  attemptsMade: number;
  outputType: string;
}

/** Sends one record to the error prefix (the error output stage). */
export type FailRecord = (failure: FailureInput) => void;

export interface StageContext {
  readonly name: string;
  readonly settings: Settings;
  readonly options: EmulatedFirehoseOptions;
  readonly clock: Clock;
  /** Mutable: every stage counts into the one table `stats()` copies. */
  readonly counters: FirehoseCounters;
  logger(): FirehoseLogger;
  /** With a Kinesis source: which stream records are durable, per shard. */
  readonly source: SourcePositions | undefined;
  /** These records reached a durable terminal state (written to S3, or Dropped): the source may move past them. */
  durable(inputs: Iterable<InputRecord | undefined>): void;
  /** Tells `onErrorRecord`, if any, of a failed record; its errors never reach the pipeline. */
  reportError(record: FirehoseErrorRecord): void;
}

/** Validates the options (FirehoseConfigError) and builds the context the stages share. */
export function createStageContext(options: EmulatedFirehoseOptions): StageContext {
  const settings = settingsFrom(options);
  let fallback: FirehoseLogger | undefined;
  const source =
    settings.source === 'kinesis'
      ? new SourcePositions((shardId, sequenceNumber) =>
          options.sourceCheckpoints?.advance(shardId, sequenceNumber),
        )
      : undefined;
  return {
    name: settings.name,
    settings,
    options,
    clock: options.clock ?? systemClock,
    counters: newCounters(),
    logger: () => options.logger ?? (fallback ??= createLogger('local-firehose')),
    source,
    durable: (inputs) => {
      if (source === undefined) return;
      for (const input of inputs) if (input?.source) source.release(input.source);
    },
    reportError: (record) => {
      try {
        options.onErrorRecord?.(record);
      } catch {
        // A watcher's problem: the record is already counted and on its way to S3.
      }
    },
  };
}

/** A delivery stream's counters before any record: every count zero, every table empty. */
export function newCounters(): FirehoseCounters {
  return {
    recordsIn: 0,
    kinesisRecordsIn: 0,
    aggregates: 0,
    processorBatches: 0,
    invocations: 0,
    retries: 0,
    failedBatches: 0,
    ok: 0,
    dropped: 0,
    processingFailed: 0,
    delivered: 0,
    errorOutput: 0,
    deliveryFailed: 0,
    s3Retries: 0,
    discardedOnStop: 0,
    jsonSplit: 0,
    backedUp: 0,
    backupFailed: 0,
    objects: 0,
    bytes: 0,
    byPrefix: {},
    errorsByCode: {},
    errorsByType: {},
    attemptFailuresByCode: {},
    activePartitions: 0,
    maxActivePartitions: 0,
    pending: 0,
  };
}

export const bump = (table: Record<string, number>, key: string, by = 1): void => {
  table[key] = (table[key] ?? 0) + by;
};

export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : `non-Error thrown: ${String(error)}`;

/** The arrival time of the oldest of `items` (the one `!{timestamp:...}` uses). */
export const oldestArrival = (items: readonly { arrival: number }[]): number =>
  items.reduce((min, item) => Math.min(min, item.arrival), Number.POSITIVE_INFINITY);

/** The error code of records whose object could not be written. */
export const DELIVERY_FAILED_CODE = 'S3.PutObjectFailed';

/** Counts records whose object was written (or not) and takes them out of `pending`. */
export function settleWrite(
  counters: FirehoseCounters,
  written: boolean,
  field: 'delivered' | 'errorOutput',
  records: number,
): void {
  if (written) {
    counters[field] += records;
  } else {
    bump(counters.errorsByCode, DELIVERY_FAILED_CODE, records);
    counters.deliveryFailed += records;
  }
  counters.pending -= records;
}

/** Reports each record of an object that could not be written (a delivery failure). */
export function reportDeliveryFailure(context: StageContext, datas: readonly Buffer[], why: string): void {
  if (context.options.onErrorRecord === undefined) return;
  for (const rawData of datas) {
    context.reportError({ kind: 'delivery', errorCode: DELIVERY_FAILED_CODE, errorMessage: why, rawData });
  }
}

type FillSource = Pick<SizeIntervalBuffer<unknown>, 'length' | 'byteLength' | 'startedAt'>;

/** One buffer's line of `bufferFill()`. */
export function fillOf(
  stage: BufferFill['stage'],
  partition: string,
  buffer: FillSource,
  limits: BufferLimits,
  now: number,
): BufferFill {
  return {
    stage,
    partition,
    records: buffer.length,
    bytes: buffer.byteLength,
    ageMs: buffer.startedAt === undefined ? 0 : Math.max(0, now - buffer.startedAt),
    maxBytes: limits.maxBytes,
    intervalMs: limits.intervalMs,
  };
}

/** A stage that holds records in buffers, as the coordinator drives it. */
export interface BufferedStage {
  /** Records in the stage's buffers now. */
  readonly buffered: number;
  /** Forces every buffer out. */
  flush(): void;
  /** Empties the buffers without writing (stop without flush); returns how many records were in them. */
  discard(): number;
  fills(now: number): BufferFill[];
}
