import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { batchObjectKey, joinObjectKey, putObject, type ObjectEncryption } from './s3';

const gzipAsync = promisify(gzip);

/** One rejected record, written as one JSON line. Build it with `toErrorRecord`. */
export interface ErrorRecord {
  /** Machine-readable class, e.g. `schema-invalid`, `decode-failed`, `transform-failed`. */
  reason: string;
  /** What was wrong, naming the field where there is one. */
  message: string;
  shardId?: string;
  sequenceNumber?: string;
  subSequenceNumber?: number;
  partitionKey?: string;
  /** Firehose record id, when the record came through Firehose. */
  recordId?: string;
  /** As the source gave it: epoch seconds (Kinesis event), epoch ms (Firehose) or ISO. */
  approximateArrivalTimestamp?: number | string;
  /** The record's bytes as received, base64. */
  rawData: string;
  /** ISO 8601. */
  failedAt: string;
}

export type ErrorRecordInput = Omit<ErrorRecord, 'rawData' | 'failedAt'> & {
  /** Raw bytes (encoded to base64 here) or a string that is already base64. */
  rawData: Uint8Array | string;
  failedAt?: Date | string;
};

/** Fills `rawData` (base64) and `failedAt` (now unless given), leaving absent fields out. */
export function toErrorRecord(input: ErrorRecordInput, now: () => Date = () => new Date()): ErrorRecord {
  const { rawData, failedAt, ...rest } = input;
  const record: ErrorRecord = {
    ...rest,
    rawData:
      typeof rawData === 'string'
        ? rawData
        : Buffer.from(rawData.buffer, rawData.byteOffset, rawData.byteLength).toString('base64'),
    failedAt:
      failedAt === undefined
        ? now().toISOString()
        : typeof failedAt === 'string'
          ? failedAt
          : failedAt.toISOString(),
  };
  for (const key of Object.keys(record) as (keyof ErrorRecord)[]) {
    if (record[key] === undefined) delete record[key];
  }
  return record;
}

/** gzip'd JSON lines, one record per line, each line ending in `\n`. */
export async function encodeErrorRecords(records: readonly ErrorRecord[], level = 6): Promise<Buffer> {
  let text = '';
  for (const record of records) text += `${JSON.stringify(record)}\n`;
  return gzipAsync(text, { level });
}

/** Which batch the errors came from; it alone decides the object key, so a retry overwrites. */
export type ErrorBatch =
  | {
      shardId: string;
      firstSequenceNumber: string;
      lastSequenceNumber: string;
      partitions?: Record<string, string>;
    }
  | {
      /** A deterministic file stem for non-stream sources, e.g. derived from a source object key and ETag. */
      name: string;
      partitions?: Record<string, string>;
    };

export interface ErrorSinkOptions {
  client: S3Client;
  bucket: string;
  /** Default `errors`. */
  prefix?: string;
  encryption?: ObjectEncryption;
  /** gzip level 1-9 (default 6). */
  gzipLevel?: number;
}

export interface ErrorWriteResult {
  bucket: string;
  key: string;
  count: number;
  bytes: number;
}

export interface ErrorSink {
  /** Writes the batch's error records as one object; nothing (undefined) when there are none. */
  write(records: readonly ErrorRecord[], batch: ErrorBatch): Promise<ErrorWriteResult | undefined>;
  /** The key `write` would use, without writing. */
  keyFor(batch: ErrorBatch): string;
}

export const ERROR_OBJECT_EXTENSION = 'jsonl.gz';

export function createErrorSink(options: ErrorSinkOptions): ErrorSink {
  const { client, bucket, encryption } = options;
  const prefix = options.prefix ?? 'errors';
  const level = options.gzipLevel ?? 6;
  if (!bucket) throw new Error('error sink: bucket is required');
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new Error(`error sink: gzipLevel must be an integer 1-9, got ${String(level)}`);
  }
  const keyFor = (batch: ErrorBatch): string =>
    'name' in batch
      ? joinObjectKey({
          prefix,
          partitions: batch.partitions,
          segments: [batch.name],
          extension: ERROR_OBJECT_EXTENSION,
        })
      : batchObjectKey({ prefix, ...batch, extension: ERROR_OBJECT_EXTENSION });
  return {
    keyFor,
    async write(records, batch) {
      if (records.length === 0) return undefined;
      const key = keyFor(batch);
      const body = await encodeErrorRecords(records, level);
      await putObject(client, { bucket, key, body, contentType: 'application/gzip', encryption });
      return { bucket, key, count: records.length, bytes: body.byteLength };
    },
  };
}
