/**
 * One raw object → one Parquet object (+ one error object when records fail), both streamed: the raw body
 * is read as the Parquet row groups are uploaded, so memory is one row group whatever the object's size.
 * Output keys are pure functions of the input key, so a retry overwrites instead of duplicating.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DecompressedTooLargeError,
  convertJsonLines,
  loadParquetEngine,
  parquetKeyFor,
  streamingUploadSink,
  type CompiledConversion,
  type ConversionErrorCode,
  type ConversionSummary,
} from '../parquet';
import { ERROR_OBJECT_EXTENSION } from '../sinks/error-sink';
import { errorMessage, errorName } from '../sinks/retry';
import type { ObjectEncryption } from '../sinks/s3';
import { uploadObject } from '../sinks/s3-upload';
import {
  CONVERSION_FAILED_REASON,
  OBJECT_ERROR_CODES,
  createErrorOutput,
  type ConversionErrorLine,
  type ErrorOutput,
  type ObjectErrorCode,
} from './error-output';
import { SKIP_REASONS, type ObjectRef, type SkipReason } from './events';

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

export interface ObjectConversionContext {
  client: S3Client;
  conversion: CompiledConversion;
  inputPrefix: string;
  outputPrefix: string;
  errorPrefix: string;
  fileExtension: string;
  encryption?: ObjectEncryption;
  now: () => Date;
}

/** What became of one object; logged as one line, never with record payloads. */
export type ObjectOutcome = 'converted' | 'object-failed' | 'skipped' | 'retry';

export interface ObjectSummary {
  outcome: ObjectOutcome;
  bucket?: string;
  key?: string;
  outputKey?: string;
  /** Written only when some record (or the whole object) failed. */
  errorKey?: string;
  records: number;
  rows: number;
  /** Error records written (per record, or 1 for a failed object). */
  errors: number;
  errorsByCode: Partial<Record<ConversionErrorCode | ObjectErrorCode, number>>;
  bytesIn: number;
  bytesDecompressed: number;
  bytesOut: number;
  rowGroups: number;
  inputCompression?: ConversionSummary['inputCompression'];
  durationMs: number;
  /** Peak resident set of the process so far (what Lambda's "Max Memory Used" reports). */
  peakRssMb: number;
  skipReason?: SkipReason;
  /** Why the object failed, was skipped or must be retried (no record content). */
  problem?: string;
}

/** A failure worth retrying (S3 unavailable, throttled, denied): the invocation must throw. */
export class ObjectRetryError extends Error {
  override readonly name = 'ObjectRetryError';

  constructor(
    readonly object: ObjectRef,
    cause: unknown,
  ) {
    super(`s3://${object.bucket}/${object.key}: ${errorName(cause)}: ${errorMessage(cause)}`, { cause });
  }
}

/**
 * zlib codes that mean the bytes are bad, not the machine: the object fails, retrying cannot help. A
 * truncated stream (`Z_BUF_ERROR`, "unexpected end of file") counts only when the whole object was read:
 * a connection that ended early is retried instead.
 */
const OBJECT_FAILURES: Readonly<Record<string, { code: ObjectErrorCode; needsCompleteRead: boolean }>> = {
  Z_DATA_ERROR: { code: OBJECT_ERROR_CODES.DecompressionFailed, needsCompleteRead: false },
  Z_NEED_DICT: { code: OBJECT_ERROR_CODES.DecompressionFailed, needsCompleteRead: false },
  Z_BUF_ERROR: { code: OBJECT_ERROR_CODES.DecompressionFailed, needsCompleteRead: true },
};

function objectFailureOf(error: unknown, completeRead: boolean): ObjectErrorCode | undefined {
  if (error instanceof DecompressedTooLargeError) return OBJECT_ERROR_CODES.DecompressedTooLarge;
  const code = (error as { code?: unknown } | null)?.code;
  const failure = typeof code === 'string' ? OBJECT_FAILURES[code] : undefined;
  return failure && (completeRead || !failure.needsCompleteRead) ? failure.code : undefined;
}

export function peakRssMb(): number {
  // maxRSS is in kilobytes.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function emptySummary(outcome: ObjectOutcome, started: number): ObjectSummary {
  return {
    outcome,
    records: 0,
    rows: 0,
    errors: 0,
    errorsByCode: {},
    bytesIn: 0,
    bytesDecompressed: 0,
    bytesOut: 0,
    rowGroups: 0,
    durationMs: Date.now() - started,
    peakRssMb: peakRssMb(),
  };
}

/** The error object's key mirrors the Parquet key: same partition path and stem, under errorPrefix. */
export function errorKeyFor(
  inputKey: string,
  context: Pick<ObjectConversionContext, 'inputPrefix' | 'errorPrefix'>,
): string {
  return parquetKeyFor(inputKey, {
    inputPrefix: context.inputPrefix,
    outputPrefix: context.errorPrefix,
    fileExtension: `.${ERROR_OBJECT_EXTENSION}`,
  });
}

interface OpenedObject {
  /** In Node the SDK's body is an http.IncomingMessage: a Readable, consumed as it arrives. */
  body: Readable;
  contentLength: number | undefined;
}

async function openObject(client: S3Client, object: ObjectRef): Promise<OpenedObject | undefined> {
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
    return { body: response.Body as Readable, contentLength: response.ContentLength };
  } catch (error) {
    // Deleted between the notification and now: nothing left to convert, and retrying will not bring it back.
    if (errorName(error) === 'NoSuchKey') return undefined;
    throw new ObjectRetryError(object, error);
  }
}

async function writeObjectFailure(
  context: ObjectConversionContext,
  object: ObjectRef,
  errorKey: string,
  line: ConversionErrorLine,
): Promise<void> {
  const output = createErrorOutput({
    client: context.client,
    bucket: object.bucket,
    key: errorKey,
    encryption: context.encryption,
  });
  await output.add(line);
  await output.close();
}

/**
 * Converts one object. Returns its summary for converted, failed (a bad object: one error line, the raw
 * object stays where it is) and missing objects; throws ObjectRetryError when S3 fails, so the invocation
 * is retried and overwrites whatever this attempt wrote.
 */
export async function convertObject(
  context: ObjectConversionContext,
  object: ObjectRef,
): Promise<ObjectSummary> {
  const started = Date.now();
  const { client, conversion, encryption } = context;
  const { bucket, key } = object;
  let outputKey: string;
  let errorKey: string;
  try {
    outputKey = parquetKeyFor(key, {
      inputPrefix: context.inputPrefix,
      outputPrefix: context.outputPrefix,
      fileExtension: context.fileExtension,
    });
    errorKey = errorKeyFor(key, context);
  } catch (error) {
    // e.g. `raw/.gz`: no stem to name the output after; retrying would not give it one.
    return {
      ...emptySummary('skipped', started),
      bucket,
      key,
      skipReason: SKIP_REASONS.noFileName,
      problem: errorMessage(error),
    };
  }
  const failedAt = context.now().toISOString();

  // The outputs are set up while the GetObject round trip is in flight, not after its response: the SDK writes
  // the request within the microtasks setImmediate lets run first. Nothing is written to them before the
  // object's first bytes, so dropping them when the object is missing or unreadable sends nothing.
  const opening = openObject(client, object);
  opening.catch(() => undefined);
  await new Promise<void>((resolve) => setImmediate(resolve));
  loadParquetEngine();
  let upload: Promise<unknown> = Promise.resolve();
  const sink = streamingUploadSink((Body) => {
    upload = uploadObject(client, {
      bucket,
      key: outputKey,
      body: Body,
      contentType: PARQUET_CONTENT_TYPE,
      encryption,
    });
    return { done: upload };
  });
  const dropOutput = async (reason: unknown): Promise<void> => {
    await sink.abort(reason instanceof Error ? reason : new Error(String(reason)));
    await upload.catch(() => undefined);
  };
  let opened: OpenedObject | undefined;
  try {
    opened = await opening;
  } catch (error) {
    await dropOutput(error);
    throw error;
  }
  if (opened === undefined) {
    await dropOutput(new Error(`s3://${bucket}/${key} no longer exists`));
    return {
      ...emptySummary('skipped', started),
      bucket,
      key,
      skipReason: SKIP_REASONS.objectMissing,
      problem: `s3://${bucket}/${key} no longer exists (deleted after the notification)`,
    };
  }

  const { body, contentLength } = opened;
  let bytesRead = 0;
  // Counted per chunk, to tell a truncated object from a connection that ended early.
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      yield chunk;
    }
  }

  const errors: ErrorOutput = createErrorOutput({ client, bucket, key: errorKey, encryption });

  let summary: ConversionSummary;
  try {
    summary = await convertJsonLines(counted(), sink, {
      conversion,
      onError: (record) =>
        errors.add({
          reason: CONVERSION_FAILED_REASON,
          code: record.code,
          message: record.message,
          sourceKey: key,
          recordNumber: record.recordNumber,
          rawData: record.rawData,
          failedAt,
        }),
    });
  } catch (error) {
    body.destroy();
    // convertJsonLines aborted the Parquet sink; wait for the upload to abort its parts too.
    await upload.catch(() => undefined);
    const cause = error instanceof Error ? error : new Error(String(error));
    await errors.abort(cause);
    const code = objectFailureOf(error, contentLength === undefined || bytesRead >= contentLength);
    if (code === undefined) throw new ObjectRetryError(object, error);
    const problem =
      error instanceof DecompressedTooLargeError
        ? `s3://${bucket}/${key} decompresses to more than ${error.maxDecompressedBytes} bytes; no record of it was converted, the raw object is kept (raise conversion.maxDecompressedBytes or split the object if it is genuine)`
        : `s3://${bucket}/${key} does not decompress (${errorMessage(error)}); no record of it was converted, the raw object is kept`;
    await writeObjectFailure(context, object, errorKey, {
      reason: CONVERSION_FAILED_REASON,
      code,
      message: problem,
      sourceKey: key,
      // The object may be hundreds of MB: it stays at sourceKey rather than being copied here.
      rawData: '',
      failedAt,
    }).catch((writeError: unknown) => {
      throw new ObjectRetryError(object, writeError);
    });
    return {
      ...emptySummary('object-failed', started),
      bucket,
      key,
      errorKey,
      errors: 1,
      errorsByCode: { [code]: 1 },
      problem,
    };
  }

  const written = await errors.close().catch((error: unknown) => {
    throw new ObjectRetryError(object, error);
  });
  return {
    outcome: 'converted',
    bucket,
    key,
    outputKey,
    ...(written && { errorKey: written.key }),
    records: summary.records,
    rows: summary.rowsWritten,
    errors: summary.errorRecords,
    errorsByCode: { ...summary.errorsByCode },
    bytesIn: summary.bytesIn,
    bytesDecompressed: summary.bytesDecompressed,
    bytesOut: summary.bytesOut,
    rowGroups: summary.rowGroups,
    inputCompression: summary.inputCompression,
    durationMs: Date.now() - started,
    peakRssMb: peakRssMb(),
  };
}
