/** JSON → Parquet conversion mirroring Firehose's record format conversion; see docs/parquet.md. */
export {
  CONVERSION_ERROR_CODES,
  DecompressedTooLargeError,
  compileConversion,
  convertJsonLines,
  type CompiledConversion,
  type ConversionErrorCode,
  type ConversionErrorRecord,
  type ConversionInput,
  type ConversionSummary,
  type ConvertOptions,
} from './convert';
export {
  CONVERSION_DEFAULTS,
  resolveConversionOptions,
  validateConversionConfig,
  type ConversionConfig,
  type ConversionOptions,
} from './config';
export { parquetKeyFor, type ParquetKeyOptions } from './keys';
export {
  SchemaMappingError,
  columnsFromJsonSchema,
  glueTypeOf,
  parquetSchemaOf,
  type ColumnKind,
  type ColumnNode,
  type UnsupportedPolicy,
} from './schema';
export {
  BufferSink,
  fileSink,
  streamingUploadSink,
  writableSink,
  type ParquetSink,
  type StreamingUpload,
  type WritableSinkOptions,
} from './sinks';
export { TIMESTAMP_FORMATS, type TimestampFormat } from './timestamps';
export { loadParquetEngine, PARQUET_COMPRESSIONS, type ParquetCompression } from './writer';
export { parseJsonExact, stringifyJson } from './json';
