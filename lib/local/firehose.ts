/**
 * The emulated Firehose delivery stream of `kpipe local`, configured from pipeline.yml's `delivery` and
 * `partitioning` blocks (reference firehose.md §1-§2):
 *
 *   put / putKinesisRecords → (KPL de-aggregation) → processor buffer → transformer (the Lambda contract,
 *   retries) → jq key extraction → per-partition buffers → GZIP → S3 objects → onObjectCreated
 *
 * Failed records go to the ErrorOutputPrefix as Firehose's error documents; every record ends in exactly one
 * of: dropped, delivered, error output, delivery failed (an S3 write that failed), or discarded on stop.
 * What is emulated and where the service's behaviour had to be chosen is in lib/local/firehose.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
} from 'aws-lambda';
import { DEFAULT_ACCOUNT, DEFAULT_REGION, deliveryStreamArn } from '../events/factories';
import {
  compileKeyRules,
  compileTimestampPattern,
  evaluatePrefix,
  parsePrefix,
  PrefixError,
  validatePrefixes,
  type KeyExtractor,
  type ParsedPrefix,
  type PartitioningConfig,
  type TimestampFormatter,
} from '../partitioning';
import type { DeliveryConfig } from '../pipeline/types';
import { createJsonParser, deaggregate, type JsonParser } from '../records';
import { createLogger } from '../observability/logger';
import { putObject, type ObjectEncryption } from '../sinks/s3';
import { SizeIntervalBuffer, systemClock, type Clock } from './firehose-buffer';
import {
  FIREHOSE_ERROR_CODES,
  judgeTransformationResponse,
  SERVICE_CONTRACT,
  type CheckedRecord,
  type ContractCheck,
  type FirehoseErrorCode,
} from '../firehose/contract';

const gzipAsync = promisify(gzip);

/** Firehose buffer sizes are given in MB and mean MiB. */
const MIB = 1024 * 1024;
/** PutRecordBatch limits (Firehose API reference). */
export const PUT_RECORD_BATCH_MAX_RECORDS = 500;
export const PUT_RECORD_BATCH_MAX_BYTES = 4 * MIB;
/** Largest record before base64 (1,000 KiB). */
export const FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024;
export const DEFAULT_ACTIVE_PARTITION_LIMIT = 500;
/** The `<version>` in object names; a new delivery stream starts at 1. */
export const DELIVERY_STREAM_VERSION = 1;
const OBJECT_TIME_PATTERN = 'yyyy-MM-dd-HH-mm-ss';
/** The source-record backup's hints, as lib/deploy/firehose.ts configures S3BackupConfiguration. */
const BACKUP_LIMITS = { maxBytes: 128 * MIB, intervalMs: 900_000 };

const NEWLINE = Buffer.from('\n');
const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

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

/** Converts a GetRecords record (SDK shape) for `putKinesisRecords`. */
export function kinesisSourceRecord(record: KinesisRecord, shardId: string): KinesisSourceRecord {
  return {
    data: record.Data ?? new Uint8Array(0),
    partitionKey: record.PartitionKey ?? '',
    sequenceNumber: record.SequenceNumber ?? '',
    shardId,
    approximateArrivalTimestamp: record.ApproximateArrivalTimestamp,
  };
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
  /** The `<uuid>` at the end of object names; random by default (injectable for tests). */
  objectSuffix?: () => string;
  /** `!{firehose:random-string}`; 11 random characters by default. */
  randomString?: () => string;
  logger?: FirehoseLogger;
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
  /** Records whose object could not be written to S3 (after the SDK's retries). */
  deliveryFailed: number;
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
}

interface KinesisMetadata {
  shardId: string;
  partitionKey: string;
  approximateArrivalTimestamp: number;
  sequenceNumber: string;
  subsequenceNumber: string;
}

interface InputRecord {
  recordId: string;
  data: Buffer;
  /** Epoch ms. */
  arrival: number;
  kinesis?: KinesisMetadata;
  /** base64 of `data`, made once for all attempts. */
  base64?: string;
}

interface PartitionItem {
  input: InputRecord;
  data: Buffer;
}

interface Partition {
  id: string;
  lambdaKeys?: Record<string, string>;
  queryKeys?: Record<string, string>;
  buffer: SizeIntervalBuffer<PartitionItem>;
  /** 1 while the buffer holds records, plus 1 per object write in flight; deleted from the map at 0. */
  refs: number;
  open: boolean;
}

/** One error document, or one source record for the backup. */
interface ErrorItem {
  arrival: number;
  document: Buffer;
}

interface FailureInput {
  input: InputRecord;
  rawData: Buffer;
  errorCode: FirehoseErrorCode;
  errorMessage: string;
  attemptsMade: number;
  outputType: string;
}

type Compression = { extension: string; encode: (body: Buffer, level: number) => Promise<Buffer> };

/** What each CompressionFormat does to an object; the others are refused at start. */
const COMPRESSION: Partial<Record<DeliveryConfig['compression'], Compression>> = {
  UNCOMPRESSED: { extension: '', encode: async (body) => body },
  GZIP: { extension: '.gz', encode: (body, level) => gzipAsync(body, { level }) },
};

const BACKUP_COMPRESSION = COMPRESSION.GZIP as Compression;

const ERROR_OUTPUT = {
  processingFailed: 'processing-failed',
  activePartitionExceeded: 'activePartitionExceeded',
};

/** A partition-key reference in Prefix, resolved once. */
interface KeyRef {
  source: 'lambda' | 'query';
  key: string;
}

interface Settings {
  name: string;
  arn: string;
  region: string;
  lambdaArn: string | undefined;
  sourceStreamArn: string | undefined;
  source: DeliveryConfig['source'];
  prefix: ParsedPrefix;
  errorPrefix: ParsedPrefix;
  /** Set when `delivery.sourceRecordBackup` is on. */
  backupPrefix: ParsedPrefix | undefined;
  /** RecordDeAggregation (JSON) before the Lambda. */
  jsonSplitter: JsonParser | undefined;
  keyRefs: KeyRef[];
  dynamic: boolean;
  extractor: KeyExtractor | undefined;
  compression: Compression;
  gzipLevel: number;
  processorLimits: { maxBytes: number; intervalMs: number };
  deliveryLimits: { maxBytes: number; intervalMs: number };
  retries: number;
  activePartitionLimit: number;
  maxResponseBytes: number;
  appendDelimiter: boolean;
  objectTime: TimestampFormatter;
  writeConcurrency: number;
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new FirehoseConfigError(`${field}: must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function readPrefix(value: string, field: string, timeZone: string): ParsedPrefix {
  try {
    return parsePrefix(value, { timeZone });
  } catch (error) {
    if (error instanceof PrefixError) throw new FirehoseConfigError(`${field}: ${error.message}`);
    throw error;
  }
}

/** Every check that does not depend on records, done once; errors name the pipeline.yml field. */
function settingsFrom(options: EmulatedFirehoseOptions): Settings {
  const { delivery } = options;
  if (!options.bucket) throw new FirehoseConfigError('bucket: is required');
  const region = options.region ?? DEFAULT_REGION;
  const account = options.accountId ?? DEFAULT_ACCOUNT;
  const processor = delivery.processor;
  const hasProcessor = processor.function !== 'none';
  if (hasProcessor && options.transformer === undefined) {
    throw new FirehoseConfigError(
      `delivery.processor.function is ${processor.function}: pass its transformer function to the emulator`,
    );
  }
  if (!hasProcessor && options.transformer !== undefined) {
    throw new FirehoseConfigError('delivery.processor.function is none, yet a transformer was passed');
  }
  if (delivery.source === 'kinesis' && !options.sourceStreamArn) {
    throw new FirehoseConfigError('delivery.source is kinesis: pass sourceStreamArn (the stream read from)');
  }
  const compression = COMPRESSION[delivery.compression];
  if (compression === undefined) {
    throw new FirehoseConfigError(
      `delivery.compression: ${delivery.compression} is not emulated locally (supported: ${Object.keys(COMPRESSION).join(', ')}); ` +
        'use GZIP, which Athena, Glue and DuckDB read, or deploy to AWS for this format',
    );
  }
  const timeZone = options.timeZone ?? delivery.timeZone ?? 'UTC';
  const prefix = readPrefix(delivery.prefix, 'delivery.prefix', timeZone);
  const errorPrefix = readPrefix(delivery.errorOutputPrefix ?? '', 'delivery.errorOutputPrefix', timeZone);
  const keyRefs: KeyRef[] = [];
  for (const part of prefix.parts) {
    if (
      part.kind === 'partition-key' &&
      !keyRefs.some((r) => r.source === part.source && r.key === part.key)
    ) {
      keyRefs.push({ source: part.source, key: part.key });
    }
  }
  const dynamic = keyRefs.length > 0;

  let extractor: KeyExtractor | undefined;
  let queryKeys: string[] = [];
  if (options.partitioning?.engine === 'jq') {
    let compiled: KeyExtractor;
    try {
      compiled = compileKeyRules(options.partitioning);
    } catch (error) {
      throw new FirehoseConfigError((error as Error).message);
    }
    queryKeys = options.partitioning.keys.map((key) => key.name);
    // Extraction costs a JSON parse per record: only when Prefix reads a query key.
    if (keyRefs.some((ref) => ref.source === 'query')) extractor = compiled;
  }
  const problems = validatePrefixes({
    prefix: delivery.prefix,
    errorOutputPrefix: delivery.errorOutputPrefix,
    dynamicPartitioning: dynamic,
    // The transformer may return any key; a missing one fails its record at run time, as on AWS.
    lambdaKeys: hasProcessor ? keyRefs.filter((r) => r.source === 'lambda').map((r) => r.key) : [],
    queryKeys,
    timeZone,
  });
  if (problems.length > 0) throw new FirehoseConfigError(problems.join('; '));

  const gzipLevel = options.gzipLevel ?? 6;
  if (!Number.isInteger(gzipLevel) || gzipLevel < 1 || gzipLevel > 9) {
    throw new FirehoseConfigError(`gzipLevel: must be an integer 1-9, got ${String(gzipLevel)}`);
  }
  const seconds = (value: number, field: string): number => {
    if (!(value >= 0)) throw new FirehoseConfigError(`${field}: must be >= 0, got ${String(value)}`);
    return value * 1000;
  };
  const megabytes = (value: number, field: string): number => {
    if (!(value > 0)) throw new FirehoseConfigError(`${field}: must be > 0, got ${String(value)}`);
    return Math.round(value * MIB);
  };
  if (!Number.isInteger(processor.retries) || processor.retries < 0) {
    throw new FirehoseConfigError(
      `delivery.processor.retries: must be an integer >= 0, got ${processor.retries}`,
    );
  }
  return {
    name: delivery.name,
    arn: deliveryStreamArn(delivery.name, region, account),
    region,
    lambdaArn: hasProcessor
      ? (options.lambdaArn ?? `arn:aws:lambda:${region}:${account}:function:${processor.function}`)
      : undefined,
    sourceStreamArn: delivery.source === 'kinesis' ? options.sourceStreamArn : undefined,
    source: delivery.source,
    prefix,
    errorPrefix,
    backupPrefix: delivery.sourceRecordBackup
      ? readPrefix(delivery.backupPrefix, 'delivery.backupPrefix', timeZone)
      : undefined,
    jsonSplitter:
      dynamic && delivery.input === 'json' && delivery.multiRecordDeaggregation
        ? createJsonParser()
        : undefined,
    keyRefs,
    dynamic,
    extractor,
    compression,
    gzipLevel,
    processorLimits: {
      maxBytes: megabytes(processor.bufferSizeMB, 'delivery.processor.bufferSizeMB'),
      intervalMs: seconds(processor.bufferIntervalSeconds, 'delivery.processor.bufferIntervalSeconds'),
    },
    deliveryLimits: {
      maxBytes: megabytes(delivery.buffering.sizeMB, 'delivery.buffering.sizeMB'),
      intervalMs: seconds(delivery.buffering.intervalSeconds, 'delivery.buffering.intervalSeconds'),
    },
    retries: processor.retries,
    activePartitionLimit: positiveInteger(
      options.activePartitionLimit ?? DEFAULT_ACTIVE_PARTITION_LIMIT,
      'activePartitionLimit',
    ),
    maxResponseBytes: positiveInteger(
      options.maxResponseBytes ?? SERVICE_CONTRACT.maxResponseBytes,
      'maxResponseBytes',
    ),
    appendDelimiter: options.appendDelimiter ?? (dynamic && processor.function !== 'firehoseTransformer'),
    objectTime: compileTimestampPattern(OBJECT_TIME_PATTERN, timeZone),
    writeConcurrency: positiveInteger(options.writeConcurrency ?? 8, 'writeConcurrency'),
  };
}

function newCounters(): FirehoseCounters {
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

const bump = (table: Record<string, number>, key: string, by = 1): void => {
  table[key] = (table[key] ?? 0) + by;
};

const toBuffer = (data: Uint8Array | string): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

const arrivalMs = (value: number | Date | undefined, now: number): number =>
  value === undefined ? now : typeof value === 'number' ? value : value.getTime();

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : `non-Error thrown: ${String(error)}`;

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

class DeliveryStream implements EmulatedFirehose {
  readonly name: string;
  readonly arn: string;
  private readonly settings: Settings;
  private readonly clock: Clock;
  private readonly counters = newCounters();
  private readonly processorBuffer: SizeIntervalBuffer<InputRecord>;
  private readonly partitions = new Map<string, Partition>();
  private readonly errorBuffers = new Map<string, SizeIntervalBuffer<ErrorItem>>();
  private readonly backupBuffer: SizeIntervalBuffer<ErrorItem> | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private readonly writeSlot: <T>(task: () => Promise<T>) => Promise<T>;
  private processing: Promise<void> = Promise.resolve();
  private queuedBatches = 0;
  private stopped = false;
  private sequence = 0;
  private readonly idBase = BigInt(`0x${randomBytes(6).toString('hex')}`)
    .toString()
    .padStart(15, '0');

  constructor(private readonly options: EmulatedFirehoseOptions) {
    this.settings = settingsFrom(options);
    this.name = this.settings.name;
    this.arn = this.settings.arn;
    this.clock = options.clock ?? systemClock;
    this.writeSlot = limiter(this.settings.writeConcurrency);
    this.processorBuffer = new SizeIntervalBuffer<InputRecord>(
      this.settings.processorLimits,
      this.clock,
      (batch) => this.enqueueBatch(batch),
    );
    if (this.settings.backupPrefix) {
      this.backupBuffer = new SizeIntervalBuffer<ErrorItem>(BACKUP_LIMITS, this.clock, (items) =>
        this.track(this.writeBackup(items)),
      );
    }
  }

  put(records: ReadonlyArray<Uint8Array | string | { data: Uint8Array | string }>): PutRecordBatchOutput {
    this.assertRunning();
    if (this.settings.source !== 'direct-put') {
      throw new FirehoseApiError(
        'InvalidArgumentException',
        `delivery stream ${this.name} reads a Kinesis stream (delivery.source: kinesis); PutRecordBatch is not allowed`,
      );
    }
    if (records.length === 0 || records.length > PUT_RECORD_BATCH_MAX_RECORDS) {
      throw new FirehoseApiError(
        'ValidationException',
        `PutRecordBatch takes 1 to ${PUT_RECORD_BATCH_MAX_RECORDS} records, got ${records.length}`,
      );
    }
    const datas = records.map((record) =>
      toBuffer(typeof record === 'string' || record instanceof Uint8Array ? record : record.data),
    );
    let total = 0;
    datas.forEach((data, index) => {
      if (data.length > FIREHOSE_MAX_RECORD_BYTES) {
        throw new FirehoseApiError(
          'ValidationException',
          `records[${index}] is ${data.length} bytes; a record may hold at most ${FIREHOSE_MAX_RECORD_BYTES} bytes before base64`,
        );
      }
      total += data.length;
    });
    if (total > PUT_RECORD_BATCH_MAX_BYTES) {
      throw new FirehoseApiError(
        'ValidationException',
        `PutRecordBatch request holds ${total} bytes of data; the limit is ${PUT_RECORD_BATCH_MAX_BYTES}`,
      );
    }
    const now = this.clock.now();
    const responses = datas.map((data) => {
      this.backup(data, now);
      return { recordId: this.intake(data, now, undefined) };
    });
    return { failedPutCount: 0, encrypted: false, requestResponses: responses };
  }

  putKinesisRecords(records: readonly KinesisSourceRecord[]): void {
    this.assertRunning();
    if (this.settings.source !== 'kinesis') {
      throw new FirehoseApiError(
        'InvalidArgumentException',
        `delivery stream ${this.name} is DirectPut (delivery.source: direct-put); it does not read a stream`,
      );
    }
    const now = this.clock.now();
    for (const record of records) {
      this.counters.kinesisRecordsIn += 1;
      const data = toBuffer(record.data);
      const arrival = arrivalMs(record.approximateArrivalTimestamp, now);
      this.backup(data, arrival);
      const meta = (partitionKey: string, subsequence: number): KinesisMetadata => ({
        shardId: record.shardId,
        partitionKey,
        approximateArrivalTimestamp: arrival,
        sequenceNumber: record.sequenceNumber,
        subsequenceNumber: String(subsequence),
      });
      const split = deaggregate(data);
      if (!split.ok) {
        // Counted in, then straight to the error prefix: never silently lost.
        const input = this.newInput(data, arrival, meta(record.partitionKey, 0));
        this.counters.recordsIn += 1;
        this.counters.pending += 1;
        this.fail({
          input,
          rawData: data,
          errorCode: FIREHOSE_ERROR_CODES.deaggregationFailed,
          errorMessage: `record ${record.shardId}/${record.sequenceNumber}: ${split.message}`,
          attemptsMade: 1,
          outputType: ERROR_OUTPUT.processingFailed,
        });
      } else if (split.aggregated) {
        this.counters.aggregates += 1;
        for (const user of split.records) {
          this.intake(user.data, arrival, meta(user.partitionKey, user.subSequenceNumber));
        }
      } else {
        this.intake(data, arrival, meta(record.partitionKey, 0));
      }
    }
  }

  async flush(): Promise<void> {
    // Writes can send records back to a buffer (an object whose prefix fails); loop until all is settled.
    for (;;) {
      this.processorBuffer.flush('forced');
      await this.settleProcessing();
      for (const partition of [...this.partitions.values()]) partition.buffer.flush('forced');
      for (const buffer of this.errorBuffers.values()) buffer.flush('forced');
      this.backupBuffer?.flush('forced');
      await this.drain();
      if (this.bufferedRecords() === 0 && this.queuedBatches === 0 && this.inflight.size === 0) return;
    }
  }

  async drain(): Promise<void> {
    while (this.queuedBatches > 0 || this.inflight.size > 0) {
      await this.settleProcessing();
      await Promise.all([...this.inflight]);
    }
  }

  async stop(options: { flush?: boolean } = {}): Promise<void> {
    if (options.flush ?? true) await this.flush();
    this.stopped = true;
    const discard = (count: number): void => {
      this.counters.discardedOnStop += count;
      this.counters.pending -= count;
    };
    discard(this.processorBuffer.take().length);
    await this.drain();
    for (const partition of this.partitions.values()) discard(partition.buffer.take().length);
    for (const buffer of this.errorBuffers.values()) discard(buffer.take().length);
    this.counters.backupFailed += this.backupBuffer?.take().length ?? 0;
    this.partitions.clear();
    this.errorBuffers.clear();
    this.counters.activePartitions = 0;
  }

  stats(): FirehoseCounters {
    return structuredClone(this.counters);
  }

  bufferFill(): BufferFill[] {
    const now = this.clock.now();
    const fill = (
      stage: BufferFill['stage'],
      partition: string,
      buffer: Pick<SizeIntervalBuffer<unknown>, 'length' | 'byteLength' | 'startedAt'>,
      limits: { maxBytes: number; intervalMs: number },
    ): BufferFill => ({
      stage,
      partition,
      records: buffer.length,
      bytes: buffer.byteLength,
      ageMs: buffer.startedAt === undefined ? 0 : Math.max(0, now - buffer.startedAt),
      maxBytes: limits.maxBytes,
      intervalMs: limits.intervalMs,
    });
    const fills: BufferFill[] = [];
    if (this.options.transformer !== undefined) {
      fills.push(fill('processor', '', this.processorBuffer, this.settings.processorLimits));
    }
    for (const partition of this.partitions.values()) {
      const label = this.describePartition(partition.lambdaKeys, partition.queryKeys);
      fills.push(fill('partition', label, partition.buffer, this.settings.deliveryLimits));
    }
    for (const [outputType, buffer] of this.errorBuffers) {
      fills.push(fill('error', outputType, buffer, this.settings.deliveryLimits));
    }
    if (this.backupBuffer) fills.push(fill('backup', '', this.backupBuffer, BACKUP_LIMITS));
    return fills;
  }

  // ---- intake and processing ---------------------------------------------------------------------------

  private assertRunning(): void {
    if (this.stopped)
      throw new FirehoseApiError('ResourceInUseException', `delivery stream ${this.name} is stopped`);
  }

  private newInput(data: Buffer, arrival: number, kinesis: KinesisMetadata | undefined): InputRecord {
    this.sequence += 1;
    const recordId = `${this.idBase}${String(this.sequence).padStart(12, '0')}`;
    return kinesis ? { recordId, data, arrival, kinesis } : { recordId, data, arrival };
  }

  /** One source record: split into JSON objects when RecordDeAggregation (JSON) is on; returns the first id. */
  private intake(data: Buffer, arrival: number, kinesis: KinesisMetadata | undefined): string {
    const pieces = this.settings.jsonSplitter && this.splitJson(data, this.settings.jsonSplitter);
    if (!pieces) return this.accept(data, arrival, kinesis);
    this.counters.jsonSplit += 1;
    const ids = pieces.map((piece) => this.accept(piece, arrival, kinesis));
    return ids[0] as string;
  }

  /**
   * The objects of a record holding several, re-serialised; undefined for one object or for data that does
   * not parse (the Lambda then sees it whole and classifies it). Most records are one object on one line:
   * two native byte scans settle those without parsing.
   */
  private splitJson(data: Buffer, parser: JsonParser): Buffer[] | undefined {
    let end = data.length;
    while (end > 0 && JSON_WHITESPACE.has(data[end - 1] as number)) end -= 1;
    const newline = data.indexOf(0x0a);
    if ((newline === -1 || newline >= end) && data.indexOf('}{') === -1 && data.indexOf('} {') === -1) {
      return undefined;
    }
    const parsed = parser.records(data);
    if (!parsed.ok || parsed.value.length < 2) return undefined;
    return parsed.value.map((object) => Buffer.from(JSON.stringify(object)));
  }

  private accept(data: Buffer, arrival: number, kinesis: KinesisMetadata | undefined): string {
    const input = this.newInput(data, arrival, kinesis);
    this.counters.recordsIn += 1;
    this.counters.pending += 1;
    if (this.options.transformer === undefined) this.route(input, data, undefined);
    else this.processorBuffer.add(input, data.length);
    return input.recordId;
  }

  private enqueueBatch(batch: InputRecord[]): void {
    this.queuedBatches += 1;
    this.processing = this.processing
      .then(() => this.processBatch(batch))
      .catch((error: unknown) => this.logger().error('emulated Firehose: batch processing failed', { error }))
      .finally(() => {
        this.queuedBatches -= 1;
      });
  }

  private async settleProcessing(): Promise<void> {
    while (this.queuedBatches > 0) await this.processing;
  }

  private buildEvent(batch: readonly InputRecord[]): FirehoseTransformationEvent {
    const records = batch.map((input): FirehoseTransformationEventRecord => {
      input.base64 ??= input.data.toString('base64');
      const record: FirehoseTransformationEventRecord = {
        recordId: input.recordId,
        approximateArrivalTimestamp: input.arrival,
        data: input.base64,
      };
      // A fresh copy per attempt: a transformer that mutates its event cannot change the retry.
      if (input.kinesis) record.kinesisRecordMetadata = { ...input.kinesis };
      return record;
    });
    const event: FirehoseTransformationEvent = {
      invocationId: randomUUID(),
      deliveryStreamArn: this.arn,
      region: this.settings.region,
      records,
    };
    if (this.settings.sourceStreamArn) event.sourceKinesisStreamArn = this.settings.sourceStreamArn;
    return event;
  }

  private async invoke(batch: readonly InputRecord[], recordIds: readonly string[]): Promise<ContractCheck> {
    const transformer = this.options.transformer as FirehoseTransformer;
    let response: unknown;
    try {
      response = await transformer(this.buildEvent(batch));
    } catch (error) {
      return { ok: false, errorCode: FIREHOSE_ERROR_CODES.functionError, errorMessage: describeError(error) };
    }
    return judgeTransformationResponse(recordIds, response, {
      ...SERVICE_CONTRACT,
      maxResponseBytes: this.settings.maxResponseBytes,
    });
  }

  private async processBatch(batch: InputRecord[]): Promise<void> {
    this.counters.processorBatches += 1;
    const recordIds = batch.map((input) => input.recordId);
    const maxAttempts = this.settings.retries + 1;
    let last: Extract<ContractCheck, { ok: false }> | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      this.counters.invocations += 1;
      if (attempt > 1) this.counters.retries += 1;
      const check = await this.invoke(batch, recordIds);
      if (check.ok) {
        this.applyResults(batch, check.records, attempt);
        return;
      }
      last = check;
      bump(this.counters.attemptFailuresByCode, check.errorCode);
    }
    this.counters.failedBatches += 1;
    const failed = last as Extract<ContractCheck, { ok: false }>;
    for (const input of batch) {
      this.fail({
        input,
        rawData: input.data,
        errorCode: failed.errorCode,
        errorMessage: failed.errorMessage,
        attemptsMade: maxAttempts,
        outputType: ERROR_OUTPUT.processingFailed,
      });
    }
  }

  private applyResults(
    batch: readonly InputRecord[],
    checked: readonly CheckedRecord[],
    attempts: number,
  ): void {
    for (let index = 0; index < batch.length; index += 1) {
      const input = batch[index] as InputRecord;
      const record = checked[index] as CheckedRecord;
      RESULT_HANDLERS[record.result](this, input, record, attempts);
    }
  }

  /** Ok records: keys, partition, destination buffer. */
  route(input: InputRecord, data: Buffer, lambdaKeys: Record<string, string> | undefined): void {
    const { settings } = this;
    let queryKeys: Record<string, string> | undefined;
    if (settings.extractor !== undefined) {
      const extracted = this.extractQueryKeys(input, data, settings.extractor);
      if (typeof extracted === 'string') {
        this.fail({
          input,
          rawData: data,
          errorCode: FIREHOSE_ERROR_CODES.metadataExtractionFailed,
          errorMessage: extracted,
          attemptsMade: 1,
          outputType: ERROR_OUTPUT.processingFailed,
        });
        return;
      }
      queryKeys = extracted;
    }
    let id = '';
    for (const ref of settings.keyRefs) {
      const value = (ref.source === 'lambda' ? lambdaKeys : queryKeys)?.[ref.key];
      if (value === undefined || value === '') {
        this.failPrefix(input, data, lambdaKeys, queryKeys);
        return;
      }
      id += `${value}\u0000`;
    }
    let partition = this.partitions.get(id);
    if (partition === undefined) {
      if (settings.dynamic && this.partitions.size >= settings.activePartitionLimit) {
        this.fail({
          input,
          rawData: data,
          errorCode: FIREHOSE_ERROR_CODES.activePartitionsExceeded,
          errorMessage: `the record would open partition ${this.describePartition(lambdaKeys, queryKeys)} while ${this.partitions.size} partitions are active (limit ${settings.activePartitionLimit})`,
          attemptsMade: 1,
          outputType: ERROR_OUTPUT.activePartitionExceeded,
        });
        return;
      }
      // Checked once per new partition: a key that makes the prefix too long fails here, per record.
      if (settings.dynamic && !this.prefixFor(lambdaKeys, queryKeys, input.arrival).ok) {
        this.failPrefix(input, data, lambdaKeys, queryKeys);
        return;
      }
      partition = this.newPartition(id, lambdaKeys, queryKeys);
    }
    const bytes = data.length + (settings.appendDelimiter ? 1 : 0);
    if (!partition.open) {
      partition.open = true;
      partition.refs += 1;
    }
    partition.buffer.add({ input, data }, bytes);
    // add() may have flushed the old contents before taking this record: it is open again.
    if (!partition.open && partition.buffer.length > 0) {
      partition.open = true;
      partition.refs += 1;
    }
  }

  private extractQueryKeys(
    input: InputRecord,
    data: Buffer,
    extractor: KeyExtractor,
  ): Record<string, string> | string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString('utf8'));
    } catch (error) {
      return `record ${input.recordId}: data is not one JSON object (${(error as Error).message})`;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return `record ${input.recordId}: data is JSON but not an object`;
    }
    const result = extractor(parsed as Record<string, unknown>, { arrivalTime: new Date(input.arrival) });
    return result.ok ? result.keys : `record ${input.recordId}: ${result.message}`;
  }

  private describePartition(
    lambdaKeys: Record<string, string> | undefined,
    queryKeys: Record<string, string> | undefined,
  ): string {
    return this.settings.keyRefs
      .map((ref) => `${ref.key}=${(ref.source === 'lambda' ? lambdaKeys : queryKeys)?.[ref.key] ?? ''}`)
      .join(',');
  }

  private prefixFor(
    lambdaKeys: Record<string, string> | undefined,
    queryKeys: Record<string, string> | undefined,
    timestamp: number,
  ): ReturnType<typeof evaluatePrefix> {
    return evaluatePrefix(this.settings.prefix, {
      lambdaKeys,
      queryKeys,
      timestamp: new Date(timestamp),
      randomString: this.options.randomString,
    });
  }

  private failPrefix(
    input: InputRecord,
    data: Buffer,
    lambdaKeys: Record<string, string> | undefined,
    queryKeys: Record<string, string> | undefined,
  ): void {
    const evaluation = this.prefixFor(lambdaKeys, queryKeys, input.arrival);
    this.fail({
      input,
      rawData: data,
      errorCode: FIREHOSE_ERROR_CODES.prefixEvaluationFailed,
      errorMessage: `record ${input.recordId}: ${evaluation.ok ? 'prefix could not be evaluated' : evaluation.message}`,
      attemptsMade: 1,
      outputType: ERROR_OUTPUT.processingFailed,
    });
  }

  private newPartition(
    id: string,
    lambdaKeys: Record<string, string> | undefined,
    queryKeys: Record<string, string> | undefined,
  ): Partition {
    const partition: Partition = {
      id,
      refs: 0,
      open: false,
      buffer: new SizeIntervalBuffer<PartitionItem>(this.settings.deliveryLimits, this.clock, (items) =>
        this.flushPartition(partition, items),
      ),
    };
    if (lambdaKeys) partition.lambdaKeys = lambdaKeys;
    if (queryKeys) partition.queryKeys = queryKeys;
    this.partitions.set(id, partition);
    this.counters.activePartitions = this.partitions.size;
    this.counters.maxActivePartitions = Math.max(this.counters.maxActivePartitions, this.partitions.size);
    return partition;
  }

  private release(partition: Partition): void {
    partition.refs -= 1;
    if (partition.refs === 0 && this.partitions.get(partition.id) === partition) {
      this.partitions.delete(partition.id);
      this.counters.activePartitions = this.partitions.size;
    }
  }

  private flushPartition(partition: Partition, items: PartitionItem[]): void {
    // The emptied buffer's reference passes to the object write: the partition stays active until it lands.
    partition.open = false;
    this.track(this.writePartition(partition, items).finally(() => this.release(partition)));
  }

  private async writePartition(partition: Partition, items: PartitionItem[]): Promise<void> {
    const oldest = items.reduce((min, item) => Math.min(min, item.input.arrival), Number.POSITIVE_INFINITY);
    const evaluation = this.prefixFor(partition.lambdaKeys, partition.queryKeys, oldest);
    if (!evaluation.ok) {
      for (const item of items) {
        this.fail({
          input: item.input,
          rawData: item.data,
          errorCode: FIREHOSE_ERROR_CODES.prefixEvaluationFailed,
          errorMessage: `record ${item.input.recordId}: ${evaluation.message}`,
          attemptsMade: 1,
          outputType: ERROR_OUTPUT.processingFailed,
        });
      }
      return;
    }
    const parts: Buffer[] = [];
    for (const item of items) {
      parts.push(item.data);
      if (this.settings.appendDelimiter) parts.push(NEWLINE);
    }
    const written = await this.writeObject(evaluation.prefix, Buffer.concat(parts), items.length, 'delivery');
    this.settleWrite(written, 'delivered', items.length);
  }

  // ---- error output ------------------------------------------------------------------------------------

  /** Sends one record to the error prefix as Firehose's error document. */
  fail(failure: FailureInput): void {
    const { input } = failure;
    const document: Record<string, unknown> = {
      attemptsMade: failure.attemptsMade,
      arrivalTimestamp: input.arrival,
      errorCode: failure.errorCode,
      errorMessage: failure.errorMessage,
      attemptEndingTimestamp: this.clock.now(),
      rawData: failure.rawData.toString('base64'),
    };
    if (this.settings.lambdaArn) document.lambdaArn = this.settings.lambdaArn;
    bump(this.counters.errorsByCode, failure.errorCode);
    bump(this.counters.errorsByType, failure.outputType);
    const line = Buffer.from(`${JSON.stringify(document)}\n`);
    let buffer = this.errorBuffers.get(failure.outputType);
    if (buffer === undefined) {
      const outputType = failure.outputType;
      buffer = new SizeIntervalBuffer<ErrorItem>(this.settings.deliveryLimits, this.clock, (items) =>
        this.track(this.writeErrors(outputType, items)),
      );
      this.errorBuffers.set(outputType, buffer);
    }
    buffer.add({ arrival: input.arrival, document: line }, line.length);
  }

  private async writeErrors(outputType: string, items: ErrorItem[]): Promise<void> {
    const oldest = items.reduce((min, item) => Math.min(min, item.arrival), Number.POSITIVE_INFINITY);
    const evaluation = evaluatePrefix(this.settings.errorPrefix, {
      timestamp: new Date(oldest),
      errorOutputType: outputType,
      randomString: this.options.randomString,
    });
    if (!evaluation.ok) {
      this.logger().error('emulated Firehose: error output prefix cannot be evaluated', {
        message: evaluation.message,
        records: items.length,
      });
      this.settleWrite(false, 'errorOutput', items.length);
      return;
    }
    const body = Buffer.concat(items.map((item) => item.document));
    this.settleWrite(
      await this.writeObject(evaluation.prefix, body, items.length, 'error'),
      'errorOutput',
      items.length,
    );
  }

  private settleWrite(written: boolean, field: 'delivered' | 'errorOutput', records: number): void {
    if (written) {
      this.counters[field] += records;
    } else {
      bump(this.counters.errorsByCode, 'S3.PutObjectFailed', records);
      this.counters.deliveryFailed += records;
    }
    this.counters.pending -= records;
  }

  // ---- source-record backup ----------------------------------------------------------------------------

  /** Keeps the record as it came in (before any de-aggregation) for `delivery.backupPrefix`. */
  private backup(data: Buffer, arrival: number): void {
    this.backupBuffer?.add({ arrival, document: data }, data.length);
  }

  private async writeBackup(items: ErrorItem[]): Promise<void> {
    const oldest = items.reduce((min, item) => Math.min(min, item.arrival), Number.POSITIVE_INFINITY);
    const evaluation = evaluatePrefix(this.settings.backupPrefix as ParsedPrefix, {
      timestamp: new Date(oldest),
      randomString: this.options.randomString,
    });
    const body = Buffer.concat(items.map((item) => item.document));
    const written =
      evaluation.ok &&
      (await this.writeObject(evaluation.prefix, body, items.length, 'backup', BACKUP_COMPRESSION));
    if (!evaluation.ok) {
      this.logger().error('emulated Firehose: backup prefix cannot be evaluated', {
        message: evaluation.message,
      });
    }
    if (written) this.counters.backedUp += items.length;
    else this.counters.backupFailed += items.length;
  }

  // ---- S3 ----------------------------------------------------------------------------------------------

  private objectKey(prefix: string, extension: string): string {
    const suffix = this.options.objectSuffix?.() ?? randomUUID();
    const time = this.settings.objectTime(new Date(this.clock.now()));
    return `${prefix}${this.name}-${DELIVERY_STREAM_VERSION}-${time}-${suffix}${extension}`;
  }

  /** Compresses and writes one object; true when stored. A failure is counted and logged, never thrown. */
  private async writeObject(
    prefix: string,
    body: Buffer,
    records: number,
    kind: CreatedObject['kind'],
    compression: Compression = this.settings.compression,
  ): Promise<boolean> {
    const { bucket } = this.options;
    const key = this.objectKey(prefix, compression.extension);
    let stored: Buffer;
    try {
      stored = await compression.encode(body, this.settings.gzipLevel);
      await this.writeSlot(() =>
        putObject(this.options.s3, {
          bucket,
          key,
          body: stored,
          encryption: this.options.encryption ?? { mode: 'none' },
        }),
      );
    } catch (error) {
      this.logger().error('emulated Firehose: object write failed', {
        key,
        records,
        error: describeError(error),
      });
      return false;
    }
    this.counters.objects += 1;
    this.counters.bytes += stored.length;
    const perPrefix = (this.counters.byPrefix[prefix] ??= { objects: 0, bytes: 0, records: 0 });
    perPrefix.objects += 1;
    perPrefix.bytes += stored.length;
    perPrefix.records += records;
    if (this.options.onObjectCreated) {
      try {
        await this.options.onObjectCreated({ bucket, key, size: stored.length, records, kind });
      } catch (error) {
        // The object is stored; a failing listener is the listener's problem, reported not rethrown.
        this.logger().error('emulated Firehose: onObjectCreated failed', {
          key,
          error: describeError(error),
        });
        bump(this.counters.errorsByCode, 'onObjectCreated.Failed');
      }
    }
    return true;
  }

  private track(task: Promise<void>): void {
    const tracked = task.catch((error: unknown) =>
      this.logger().error('emulated Firehose: write task failed', { error: describeError(error) }),
    );
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }

  private bufferedRecords(): number {
    let count = this.processorBuffer.length;
    for (const partition of this.partitions.values()) count += partition.buffer.length;
    for (const buffer of this.errorBuffers.values()) count += buffer.length;
    return count + (this.backupBuffer?.length ?? 0);
  }

  private fallbackLogger: FirehoseLogger | undefined;

  private logger(): FirehoseLogger {
    if (this.options.logger) return this.options.logger;
    const logger = this.fallbackLogger ?? createLogger('local-firehose');
    this.fallbackLogger = logger;
    return logger;
  }

  /** Used by RESULT_HANDLERS. */
  count(field: 'ok' | 'dropped' | 'processingFailed'): void {
    this.counters[field] += 1;
  }

  settle(): void {
    this.counters.pending -= 1;
  }
}

type ResultHandler = (
  stream: DeliveryStream,
  input: InputRecord,
  record: CheckedRecord,
  attempts: number,
) => void;

/** What each transformation result does with its record. */
const RESULT_HANDLERS: Record<CheckedRecord['result'], ResultHandler> = {
  Ok: (stream, input, record) => {
    stream.count('ok');
    stream.route(input, record.data as Buffer, record.partitionKeys);
  },
  Dropped: (stream) => {
    stream.count('dropped');
    stream.settle();
  },
  ProcessingFailed: (stream, input, _record, attempts) => {
    stream.count('processingFailed');
    // Firehose keeps the record as it came in, not what the function returned.
    stream.fail({
      input,
      rawData: input.data,
      errorCode: FIREHOSE_ERROR_CODES.processingFailedStatus,
      errorMessage: 'ProcessingFailed status set for record',
      attemptsMade: attempts,
      outputType: ERROR_OUTPUT.processingFailed,
    });
  },
};

/**
 * Builds an emulated delivery stream. Throws FirehoseConfigError, naming the field, for what the service or
 * the emulator would refuse (compression format, prefixes, missing transformer, missing source stream).
 */
export function createEmulatedFirehose(options: EmulatedFirehoseOptions): EmulatedFirehose {
  return new DeliveryStream(options);
}
