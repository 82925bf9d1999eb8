import { Readable, pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { SchemaElement } from 'hyparquet-writer';
import { resolveConversionOptions, type ConversionConfig, type ConversionOptions } from './config';
import { JsonFramer, splitConcatenated } from './framing';
import { InexactIntegerError, parseJsonExact } from './json';
import { FieldError, compileRowMapper, type RowMapper } from './rows';
import { columnsFromJsonSchema, parquetSchemaOf, type ColumnNode } from './schema';
import type { ParquetSink } from './sinks';
import { openParquetFile } from './writer';

/** Firehose's per-record format-conversion error codes (docs/parquet.md, Error records). */
export const CONVERSION_ERROR_CODES = {
  /** The record is not a JSON object: invalid JSON, an array or scalar, or a line over maxRecordBytes. */
  ParseError: 'DataFormatConversion.ParseError',
  /** A JSON object that does not fit the schema: wrong type, bad timestamp, missing field, out of range. */
  MalformedData: 'DataFormatConversion.MalformedData',
} as const;

export type ConversionErrorCode = (typeof CONVERSION_ERROR_CODES)[keyof typeof CONVERSION_ERROR_CODES];

export interface ConversionErrorRecord {
  code: ConversionErrorCode;
  /** Names the record and the field; never echoes values. */
  message: string;
  /** The record as read, base64 (the field of Firehose's error output). */
  rawData: string;
  /** 1-based position of the record in the input object. */
  recordNumber: number;
}

/** A schema compiled once (column tree, Parquet schema, record mapper) with its validated options. */
export interface CompiledConversion {
  readonly options: ConversionOptions;
  readonly columns: readonly ColumnNode[];
  readonly parquetSchema: SchemaElement[];
  readonly mapRow: RowMapper;
}

export interface ConvertOptions {
  conversion: CompiledConversion;
  /** Every record that does not convert, in input order; a returned promise is awaited before more input. */
  onError: (error: ConversionErrorRecord) => void | Promise<void>;
}

export interface ConversionSummary {
  /** Records found in the input (rows written + error records). */
  records: number;
  rowsWritten: number;
  errorRecords: number;
  errorsByCode: Record<ConversionErrorCode, number>;
  /** Bytes read from the input as stored (compressed when gzip). */
  bytesIn: number;
  /** Bytes after decompression (equal to bytesIn when not compressed). */
  bytesDecompressed: number;
  /** Parquet bytes written to the sink. */
  bytesOut: number;
  rowGroups: number;
  inputCompression: 'gzip' | 'none';
}

/**
 * Compiles a record JSON Schema for conversion: throws SchemaMappingError naming every path that cannot be
 * mapped, or an Error naming a bad option. Do this once (at cold start), not per object.
 */
export function compileConversion(
  recordSchema: object,
  options: Partial<ConversionConfig> = {},
): CompiledConversion {
  const resolved = resolveConversionOptions(options);
  const columns = columnsFromJsonSchema(recordSchema, resolved);
  return {
    options: resolved,
    columns,
    parquetSchema: parquetSchemaOf(columns),
    mapRow: compileRowMapper(columns, resolved),
  };
}

type InputChunk = Uint8Array | string;
export type ConversionInput =
  NodeJS.ReadableStream | Readable | AsyncIterable<InputChunk> | Iterable<InputChunk>;

interface InputStats {
  bytesIn: number;
  bytesDecompressed: number;
  inputCompression: 'gzip' | 'none';
}

function toBuffer(chunk: InputChunk): Buffer {
  return typeof chunk === 'string'
    ? Buffer.from(chunk, 'utf8')
    : Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk);
}

/** A gzip input inflates past maxDecompressedBytes: the whole object fails (a bomb, or a limit to raise). */
export class DecompressedTooLargeError extends Error {
  override readonly name = 'DecompressedTooLargeError';
  readonly code = 'DECOMPRESSED_TOO_LARGE';

  constructor(readonly maxDecompressedBytes: number) {
    super(`gzip input decompresses to more than ${maxDecompressedBytes} bytes (maxDecompressedBytes)`);
  }
}

/** The input's bytes, gunzipped when they start with the gzip magic (several members are fine). */
async function* decodedInput(
  input: ConversionInput,
  stats: InputStats,
  maxDecompressedBytes: number,
): AsyncGenerator<Buffer> {
  const iterator =
    Symbol.asyncIterator in input
      ? (input as AsyncIterable<InputChunk>)[Symbol.asyncIterator]()
      : Readable.from(input as Iterable<InputChunk>)[Symbol.asyncIterator]();
  const read = async (): Promise<Buffer | undefined> => {
    const next = await iterator.next();
    if (next.done === true) return undefined;
    const buffer = toBuffer(next.value);
    stats.bytesIn += buffer.length;
    return buffer;
  };
  // Two bytes decide gzip; a stream may hand them over one at a time.
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const more = await read();
    if (more === undefined) break;
    head = head.length === 0 ? more : Buffer.concat([head, more]);
  }
  async function* raw(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      for (let chunk = await read(); chunk !== undefined; chunk = await read()) yield chunk;
    } finally {
      await iterator.return?.();
    }
  }
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  stats.inputCompression = gzip ? 'gzip' : 'none';
  const source = gzip ? pipeline(Readable.from(raw()), createGunzip(), () => undefined) : raw();
  for await (const chunk of source as AsyncIterable<Buffer>) {
    stats.bytesDecompressed += chunk.length;
    // Checked per inflated chunk (16 KiB), so a bomb stops within a chunk of the limit.
    if (gzip && stats.bytesDecompressed > maxDecompressedBytes) {
      throw new DecompressedTooLargeError(maxDecompressedBytes);
    }
    yield chunk;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value === 'bigint' ? 'number' : typeof value;
}

/** V8's SyntaxError quotes the input; keep only the position. */
function syntaxProblem(error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  return position === null ? 'is not valid JSON' : `is not valid JSON (error at character ${position[1]})`;
}

/**
 * Converts JSON lines or concatenated JSON objects (gzip or not) to one Parquet file, streaming: at most
 * one row group of rows (rowGroupSize rows or rowGroupBytes of JSON) is held while reading. Records that
 * do not convert go to onError with Firehose's code; the rest convert. Rejects (after aborting the sink)
 * only when the input, the sink or onError fails, or gzip input inflates past maxDecompressedBytes
 * (DecompressedTooLargeError).
 */
export async function convertJsonLines(
  input: ConversionInput,
  sink: ParquetSink,
  options: ConvertOptions,
): Promise<ConversionSummary> {
  const { conversion, onError } = options;
  const { columns, mapRow } = conversion;
  const { rowGroupSize, rowGroupBytes, maxRecordBytes, maxDecompressedBytes } = conversion.options;
  const width = columns.length;
  const stats: InputStats = { bytesIn: 0, bytesDecompressed: 0, inputCompression: 'none' };
  const errorsByCode: Record<ConversionErrorCode, number> = {
    [CONVERSION_ERROR_CODES.ParseError]: 0,
    [CONVERSION_ERROR_CODES.MalformedData]: 0,
  };
  const file = openParquetFile(
    conversion.parquetSchema,
    columns.map((column) => column.name),
    sink,
    { compression: conversion.options.compression, statistics: conversion.options.statistics },
  );
  const newBuffers = (): unknown[][] => Array.from({ length: width }, () => []);
  let buffers = newBuffers();
  let rows = 0;
  let bufferedChars = 0;
  let records = 0;
  let rowsWritten = 0;
  let errorRecords = 0;
  // Row-group writes and error callbacks started while a chunk is processed; awaited before the next chunk.
  let pending: Promise<unknown>[] = [];

  const track = (result: void | Promise<unknown>): void => {
    if (result instanceof Promise) pending.push(result);
  };
  const flushRowGroup = (): void => {
    if (rows === 0) return;
    const group = buffers;
    const count = rows;
    buffers = newBuffers();
    rows = 0;
    bufferedChars = 0;
    rowsWritten += count;
    // Encodes now (synchronously); only the sink write is pending.
    track(file.writeRowGroup(group, count));
  };
  const reject = (code: ConversionErrorCode, message: string, text: string): void => {
    errorRecords += 1;
    errorsByCode[code] += 1;
    track(
      onError({
        code,
        message,
        rawData: Buffer.from(text, 'utf8').toString('base64'),
        recordNumber: records,
      }),
    );
  };
  const mapOrReparse = (value: Record<string, unknown>, text: string): unknown[] => {
    try {
      return mapRow(value);
    } catch (error) {
      if (!(error instanceof InexactIntegerError)) throw error;
      return mapRow(parseJsonExact(text) as Record<string, unknown>, true);
    }
  };
  const onRecord = (text: string): void => {
    records += 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const parts = splitConcatenated(text);
      if (parts !== undefined) {
        records -= 1;
        parts.forEach(onRecord);
        return;
      }
      return reject(CONVERSION_ERROR_CODES.ParseError, `record ${records} ${syntaxProblem(error)}`, text);
    }
    if (!isPlainObject(value)) {
      return reject(
        CONVERSION_ERROR_CODES.ParseError,
        `record ${records} is a JSON ${kindOf(value)}, not an object`,
        text,
      );
    }
    let row: unknown[];
    try {
      row = mapOrReparse(value, text);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      return reject(
        CONVERSION_ERROR_CODES.MalformedData,
        `record ${records}: field '${error.path}' ${error.problem}`,
        text,
      );
    }
    for (let i = 0; i < width; i += 1) (buffers[i] as unknown[]).push(row[i]);
    rows += 1;
    bufferedChars += text.length;
    if (rows >= rowGroupSize || bufferedChars >= rowGroupBytes) flushRowGroup();
  };
  const framer = new JsonFramer(
    {
      record: onRecord,
      oversized: (prefix, message) => {
        records += 1;
        reject(CONVERSION_ERROR_CODES.ParseError, `record ${records}: ${message}`, prefix);
      },
    },
    maxRecordBytes,
  );
  const settle = async (): Promise<void> => {
    const started = pending;
    pending = [];
    await Promise.all(started);
  };

  try {
    const decoder = new StringDecoder('utf8');
    for await (const chunk of decodedInput(input, stats, maxDecompressedBytes)) {
      framer.push(decoder.write(chunk));
      await settle();
    }
    framer.push(decoder.end());
    framer.end();
    flushRowGroup();
    await settle();
    await file.finish();
  } catch (error) {
    // Let started writes settle first so abort() does not race them.
    await Promise.allSettled(pending);
    await sink.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  return {
    records,
    rowsWritten,
    errorRecords,
    errorsByCode,
    bytesIn: stats.bytesIn,
    bytesDecompressed: stats.bytesDecompressed,
    bytesOut: file.bytesWritten,
    rowGroups: file.rowGroups,
    inputCompression: stats.inputCompression,
  };
}
