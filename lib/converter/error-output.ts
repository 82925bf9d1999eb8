/**
 * The error output of one raw object: gzip'd JSON lines (the error sink's format, `jsonl.gz`) streamed to
 * S3 as records fail, so an object full of bad records never sits in memory. Started on the first error:
 * an object without errors writes no error object.
 */
import { createGzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { writableSink, type ConversionErrorRecord, type ParquetSink } from '../parquet';
import type { ErrorRecord } from '../sinks/error-sink';
import type { ObjectEncryption } from '../sinks/s3';
import { uploadObject } from '../sinks/s3-upload';

/** Firehose's error-output type for these records (and the last folder of the default errorPrefix). */
export const CONVERSION_FAILED_REASON = 'format-conversion-failed';

/** Failures of a whole object, beside Firehose's per-record codes. */
export const OBJECT_ERROR_CODES = {
  /** The object starts as gzip but does not decompress (corrupt or truncated). */
  DecompressionFailed: 'DataFormatConversion.DecompressionFailed',
  /** The object inflates past conversion.maxDecompressedBytes (a gzip bomb, or a limit to raise). */
  DecompressedTooLarge: 'DataFormatConversion.DecompressedTooLarge',
} as const;

export type ObjectErrorCode = (typeof OBJECT_ERROR_CODES)[keyof typeof OBJECT_ERROR_CODES];

/** One line of the error object: the error sink's fields plus the conversion code and source. */
export interface ConversionErrorLine extends Pick<
  ErrorRecord,
  'reason' | 'message' | 'rawData' | 'failedAt'
> {
  code: ConversionErrorRecord['code'] | ObjectErrorCode;
  /** The raw object the record came from. */
  sourceKey: string;
  /** 1-based position in the raw object; absent when the whole object failed. */
  recordNumber?: number;
}

export interface ErrorOutputOptions {
  client: S3Client;
  bucket: string;
  key: string;
  encryption?: ObjectEncryption;
}

export interface ErrorOutputResult {
  key: string;
  lines: number;
}

export interface ErrorOutput {
  /** A returned promise means the stream is full: await it before adding more. */
  add(line: ConversionErrorLine): void | Promise<void>;
  /** Finishes the upload; undefined when no line was added (nothing written). */
  close(): Promise<ErrorOutputResult | undefined>;
  /** Stops the upload (its multipart parts are aborted); nothing is written. */
  abort(error: Error): Promise<void>;
}

/** Error objects are small next to the data: one part in flight is enough. */
const UPLOAD_QUEUE_SIZE = 1;

export function createErrorOutput(options: ErrorOutputOptions): ErrorOutput {
  const { client, bucket, key, encryption } = options;
  let sink: ParquetSink | undefined;
  let upload: Promise<unknown> | undefined;
  let lines = 0;
  const started = (): ParquetSink => {
    if (sink !== undefined) return sink;
    const gzip = createGzip();
    upload = uploadObject(client, {
      bucket,
      key,
      body: gzip,
      contentType: 'application/gzip',
      encryption,
      queueSize: UPLOAD_QUEUE_SIZE,
    });
    // writableSink gives backpressure and turns an upload failure into a failed write or close.
    sink = writableSink(gzip, { completion: upload });
    return sink;
  };
  return {
    add(line) {
      lines += 1;
      return started().write(Buffer.from(`${JSON.stringify(line)}\n`, 'utf8'));
    },
    async close() {
      if (sink === undefined) return undefined;
      await sink.close();
      return { key, lines };
    },
    async abort(error) {
      if (sink === undefined) return;
      await sink.abort(error);
      // The upload sees the destroyed body and aborts its multipart upload; wait so nothing is left behind.
      await upload?.catch(() => undefined);
    },
  };
}
