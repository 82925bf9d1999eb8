/**
 * The Parquet key of a raw object is a pure function of its key: a retried conversion overwrites its
 * earlier output instead of adding a second file beside it.
 */

export interface ParquetKeyOptions {
  inputPrefix: string;
  outputPrefix: string;
  /** Default `.parquet` (Firehose's FileExtension). */
  fileExtension?: string;
}

/** Only these are taken off the name: Firehose names end in a UUID and may hold dots in the stream name. */
const COMPRESSION_EXTENSIONS = /\.(?:gz|gzip)$/i;
const DATA_EXTENSIONS = /\.(?:json|jsonl|ndjson|txt)$/i;

/**
 * `raw/event_type=click/dt=2024-06-10/stream-1-2024-06-10-06-13-20-uuid.gz` →
 * `curated/event_type=click/dt=2024-06-10/stream-1-2024-06-10-06-13-20-uuid.parquet`.
 * The key must be decoded already (S3 event keys arrive URL-encoded, spaces as `+`).
 */
export function parquetKeyFor(inputKey: string, options: ParquetKeyOptions): string {
  const { inputPrefix, outputPrefix, fileExtension = '.parquet' } = options;
  if (!inputKey.startsWith(inputPrefix)) {
    throw new Error(`object key '${inputKey}' is not under the conversion inputPrefix '${inputPrefix}'`);
  }
  const relative = inputKey.slice(inputPrefix.length);
  const slash = relative.lastIndexOf('/');
  const name = relative
    .slice(slash + 1)
    .replace(COMPRESSION_EXTENSIONS, '')
    .replace(DATA_EXTENSIONS, '');
  if (name === '') throw new Error(`object key '${inputKey}' has no file name to derive a Parquet key from`);
  return `${outputPrefix}${relative.slice(0, slash + 1)}${name}${fileExtension}`;
}
