/**
 * The public shapes of the emulated delivery stream (lib/local/firehose.ts): its options, API, counters and
 * errors. Kept apart so the stages can share them without importing the coordinator.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import type { PartitioningConfig } from '../partitioning';
import type { DeliveryConfig } from '../pipeline/types';
import type { ObjectEncryption } from '../sinks/s3';
import type { Clock } from './firehose-buffer';
import type { SourceCheckpointSink } from './firehose-source';

/** The transformation Lambda: the real handler, or a fake in tests. */
export type FirehoseTransformer = (
  event: FirehoseTransformationEvent,
) => Promise<FirehoseTransformationResult> | FirehoseTransformationResult;

/** A record read from the source stream, as the caller got it from GetRecords. */
export interface KinesisSourceRecord {
  data: Uint8Array;
  partitionKey: string;
  sequenceNumber: string;
  shardId: string;
  /** Epoch milliseconds or a Date; the stream emulator's arrival time. Default: now. */
  approximateArrivalTimestamp?: number | Date;
}

export interface CreatedObject {
  bucket: string;
  key: string;
  /** Bytes stored (after compression). */
  size: number;
  /** Firehose records in the object. */
  records: number;
  /** Objects under Prefix, ErrorOutputPrefix, or the source-record backup prefix. */
  kind: 'delivery' | 'error' | 'backup';
}

/** The subset of the Powertools logger used here. */
export type FirehoseLogger = Pick<Logger, 'warn' | 'error'>;

export interface EmulatedFirehoseOptions {
  delivery: DeliveryConfig;
  /** pipeline.yml `partitioning`; with `engine: jq` keys are extracted locally as `partitionKeyFromQuery`. */
  partitioning?: PartitioningConfig;
  s3: S3Client;
  bucket: string;
  /** Required unless `delivery.processor.function` is `none`. */
  transformer?: FirehoseTransformer;
  /** Awaited after each object is written (the local runtime turns it into an S3 ObjectCreated event). */
  onObjectCreated?: (object: CreatedObject) => void | Promise<void>;
  /** ARN of the source stream; required when `delivery.source` is `kinesis`. */
  sourceStreamArn?: string;
  region?: string;
  accountId?: string;
  /** Default `arn:aws:lambda:<region>:<account>:function:<processor.function>`. */
  lambdaArn?: string;
  clock?: Clock;
  /** Default 500 (Firehose's default quota; raisable to 5,000). */
  activePartitionLimit?: number;
  /** Default 6,291,556 (Lambda's synchronous response limit). */
  maxResponseBytes?: number;
  /**
   * AppendDelimiterToRecord: add `\n` after every record. Default as deployed (lib/deploy/firehose.ts): on with
   * dynamic partitioning unless the processor is firehoseTransformer, whose records already end in `\n`.
   */
  appendDelimiter?: boolean;
  /** CustomTimeZone for `!{timestamp:...}`, the default prefix and object names. Default `delivery.timeZone`, else UTC. */
  timeZone?: string;
  /** Default none: Firehose sends no SSE header unless configured; the bucket default applies. */
  encryption?: ObjectEncryption;
  /** gzip level 1-9, default 6. */
  gzipLevel?: number;
  /** Object writes in flight at once (default 8). */
  writeConcurrency?: number;
  /** How S3 writes are retried (lib/local/firehose.md, "S3 faults"). */
  s3Retry?: S3RetryOptions;
  /** The `<uuid>` at the end of object names; random by default (injectable for tests). */
  objectSuffix?: () => string;
  /** `!{firehose:random-string}`; 11 random characters by default. */
  randomString?: () => string;
  logger?: FirehoseLogger;
  /**
   * Told of each record that went to the error output (a processing failure) or whose object could not be
   * written (a delivery failure), with its raw bytes: the local console shows the last ones. Must be cheap;
   * a listener that throws is ignored.
   */
  onErrorRecord?: (record: FirehoseErrorRecord) => void;
  /**
   * With a Kinesis source: receives each shard's durable position (every record up to it is in S3, under
   * Prefix or ErrorOutputPrefix, or was Dropped), to persist as the source checkpoint (lib/local/firehose-source.ts).
   */
  sourceCheckpoints?: SourceCheckpointSink;
}

/**
 * Retries of a failed S3 write, as Firehose retries its destination (the service: every 5 s for up to 24 h).
 * Only transient faults are retried (throttling, 5xx, connection errors); each retry writes the same key.
 */
export interface S3RetryOptions {
  /** Total wait between attempts before the write counts as failed. Default 300,000 (5 minutes). */
  windowMs?: number;
  /** First wait; doubled per retry up to `maxDelayMs`. Default 500. */
  initialDelayMs?: number;
  /** Default 5,000 (Firehose's retry interval). */
  maxDelayMs?: number;
  /** Injectable for tests; default a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** A record that failed in the delivery stream, as `onErrorRecord` gets it. */
export interface FirehoseErrorRecord {
  /** `processing`: sent to the error output (transformer, partitioning, de-aggregation); `delivery`: its S3 write failed. */
  kind: 'processing' | 'delivery';
  errorCode: string;
  errorMessage: string;
  /** The error output type (`processing-failed`, `activePartitionExceeded`); processing failures only. */
  outputType?: string;
  /** The record as it came in (not what the transformer returned). */
  rawData: Buffer;
}

/** A configuration the emulator refuses; the message names the field. */
export class FirehoseConfigError extends Error {
  override name = 'FirehoseConfigError';
}

/** A call the service would reject (ValidationException / InvalidArgumentException). */
export class FirehoseApiError extends Error {
  constructor(
    override readonly name: 'ValidationException' | 'InvalidArgumentException' | 'ResourceInUseException',
    message: string,
  ) {
    super(message);
  }
}

export interface PutRecordBatchOutput {
  failedPutCount: number;
  encrypted: boolean;
  requestResponses: { recordId: string }[];
}

export interface PrefixStats {
  objects: number;
  bytes: number;
  records: number;
}

export interface FirehoseCounters {
  /** Firehose records taken in (after KPL de-aggregation). */
  recordsIn: number;
  /** Kinesis records passed to putKinesisRecords, before de-aggregation. */
  kinesisRecordsIn: number;
  /** KPL aggregates split into user records. */
  aggregates: number;
  processorBatches: number;
  invocations: number;
  /** Invocations after the first of their batch. */
  retries: number;
  /** Batches that failed every attempt and went to the error prefix. */
  failedBatches: number;
  ok: number;
  dropped: number;
  /** Records the transformer returned as ProcessingFailed. */
  processingFailed: number;
  /** Records in objects written under Prefix. */
  delivered: number;
  /** Records written to the error prefix. */
  errorOutput: number;
  /** Records whose object could not be written to S3 (a permanent error, or transient ones past the retry window). */
  deliveryFailed: number;
  /** S3 writes retried after a transient fault (each retry reuses its object key). */
  s3Retries: number;
  /** Records still buffered when stop({ flush: false }) ran. */
  discardedOnStop: number;
  /** Records holding several JSON objects split before the Lambda (RecordDeAggregation, JSON). */
  jsonSplit: number;
  /** Source records written to `delivery.backupPrefix` (a copy, not a terminal state). */
  backedUp: number;
  /** Source records whose backup was not written (write failed, or discarded by stop({ flush: false })). */
  backupFailed: number;
  objects: number;
  bytes: number;
  /** Per evaluated prefix, data and error objects alike. */
  byPrefix: Record<string, PrefixStats>;
  /** Error output records by errorCode. */
  errorsByCode: Record<string, number>;
  /** Error output records by error output type (`processing-failed`, `activePartitionExceeded`). */
  errorsByType: Record<string, number>;
  /** Failed invocation attempts by errorCode (a batch retried three times counts four). */
  attemptFailuresByCode: Record<string, number>;
  activePartitions: number;
  maxActivePartitions: number;
  /** Records taken in and not yet in a terminal state (buffered or in flight). */
  pending: number;
}

/** One buffer of the delivery stream as it stands now (for a console showing fill as a share of the limits). */
export interface BufferFill {
  /** `processor` (before the transformer), `partition` (one per evaluated partition), `error` (one per error output type), `backup`. */
  stage: 'processor' | 'partition' | 'error' | 'backup';
  /** The partition's key values (`event_type=click,region=eu`; '' for a prefix without keys), the error output type, or ''. */
  partition: string;
  records: number;
  bytes: number;
  /** Since the oldest record in the buffer entered it (the interval counts from there); 0 when empty. */
  ageMs: number;
  /** The buffer flushes at this many bytes (BufferingHints / processor BufferSizeInMBs, in bytes). */
  maxBytes: number;
  /** ... or this long after its oldest record came in. */
  intervalMs: number;
}

export interface EmulatedFirehose {
  readonly name: string;
  readonly arn: string;
  /** DirectPut (PutRecordBatch). Throws FirehoseApiError as the service would reject the call. */
  put(records: ReadonlyArray<Uint8Array | string | { data: Uint8Array | string }>): PutRecordBatchOutput;
  /** Kinesis source: records read from the stream; KPL aggregates are de-aggregated. */
  putKinesisRecords(records: readonly KinesisSourceRecord[]): void;
  /** Forces every buffer out and resolves when everything taken in so far is in a terminal state. */
  flush(): Promise<void>;
  /** Resolves when the work in progress (invocations, writes) is done; buffers keep waiting. */
  drain(): Promise<void>;
  /** Flushes (unless `flush: false`, which discards and counts what is buffered), clears timers, refuses puts. */
  stop(options?: { flush?: boolean }): Promise<void>;
  /** A snapshot of the counters. */
  stats(): FirehoseCounters;
  /** A read-only snapshot of every buffer's fill: the processor buffer, each active partition, error and backup buffers. */
  bufferFill(): BufferFill[];
  /** With a Kinesis source: each shard's durable position (the last sequence number up to which all is delivered). */
  sourcePositions(): Record<string, string>;
}
