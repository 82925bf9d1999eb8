/**
 * The emulated delivery stream's settings: every check of pipeline.yml's `delivery` and `partitioning` blocks
 * that does not depend on records, done once at start; errors name the field.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { DEFAULT_ACCOUNT, DEFAULT_REGION, deliveryStreamArn } from '../events/factories';
import {
  compileKeyRules,
  compileTimestampPattern,
  parsePrefix,
  PrefixError,
  validatePrefixes,
  type KeyExtractor,
  type ParsedPrefix,
  type TimestampFormatter,
} from '../partitioning';
import type { DeliveryConfig } from '../pipeline/types';
import { createJsonParser, type JsonParser } from '../records';
import { SERVICE_CONTRACT } from '../firehose/contract';
import { FirehoseConfigError, type EmulatedFirehoseOptions, type S3RetryOptions } from './firehose-types';

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
export const BACKUP_LIMITS = { maxBytes: 128 * MIB, intervalMs: 900_000 };

export type Compression = { extension: string; encode: (body: Buffer, level: number) => Promise<Buffer> };

/** What each CompressionFormat does to an object; the others are refused at start. */
export const COMPRESSION: Partial<Record<DeliveryConfig['compression'], Compression>> = {
  UNCOMPRESSED: { extension: '', encode: async (body) => body },
  GZIP: { extension: '.gz', encode: (body, level) => gzipAsync(body, { level }) },
};

export const BACKUP_COMPRESSION = COMPRESSION.GZIP as Compression;

export const ERROR_OUTPUT = {
  processingFailed: 'processing-failed',
  activePartitionExceeded: 'activePartitionExceeded',
};

/** A partition-key reference in Prefix, resolved once. */
export interface KeyRef {
  source: 'lambda' | 'query';
  key: string;
}

export interface Settings {
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
  s3Retry: Required<S3RetryOptions>;
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new FirehoseConfigError(`${field}: must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function nonNegative(value: number, field: string): number {
  if (!(value >= 0)) throw new FirehoseConfigError(`${field}: must be >= 0, got ${String(value)}`);
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
export function settingsFrom(options: EmulatedFirehoseOptions): Settings {
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
    s3Retry: {
      windowMs: nonNegative(options.s3Retry?.windowMs ?? 300_000, 's3Retry.windowMs'),
      initialDelayMs: positiveInteger(options.s3Retry?.initialDelayMs ?? 500, 's3Retry.initialDelayMs'),
      maxDelayMs: positiveInteger(options.s3Retry?.maxDelayMs ?? 5_000, 's3Retry.maxDelayMs'),
      sleep: options.s3Retry?.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    },
  };
}
