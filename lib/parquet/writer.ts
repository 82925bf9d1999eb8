import { gzipSync } from 'node:zlib';
import type * as HyparquetWriter from 'hyparquet-writer';
import type { ByteWriter, SchemaElement } from 'hyparquet-writer';
import type { ParquetSink } from './sinks';

/**
 * The Parquet engine: hyparquet-writer (docs/parquet.md has the measured comparison). Row groups are
 * encoded from column arrays and handed to the sink as soon as each is complete, so a file never sits in
 * memory whole.
 */

export const PARQUET_COMPRESSIONS = ['SNAPPY', 'GZIP', 'UNCOMPRESSED'] as const;
export type ParquetCompression = (typeof PARQUET_COMPRESSIONS)[number];

export interface ParquetFileOptions {
  compression: ParquetCompression;
  /** Column chunk min/max/null statistics (used by engines to skip row groups). */
  statistics: boolean;
  createdBy?: string;
}

export interface ParquetFileWriter {
  /** Encodes one row group from top-level column arrays (all `rowCount` long) and sends it to the sink. */
  writeRowGroup(columns: unknown[][], rowCount: number): Promise<void>;
  /** Writes the footer and closes the sink. */
  finish(): Promise<void>;
  readonly bytesWritten: number;
  readonly rowGroups: number;
}

// SNAPPY is built into hyparquet-writer; GZIP comes from node:zlib.
const COMPRESSORS = { GZIP: (input: Uint8Array): Uint8Array => gzipSync(input) };

let engine: typeof HyparquetWriter | undefined;

/**
 * Loaded on first use (Node >= 20.19 requires ES modules; bundlers inline it), so importing lib/parquet
 * for its configuration helpers never loads the ESM-only engine.
 */
function hyparquetWriter(): typeof HyparquetWriter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  engine ??= require('hyparquet-writer') as typeof HyparquetWriter;
  return engine;
}

/** Loads the engine now (it loads at the first file otherwise), e.g. while waiting on the network. */
export function loadParquetEngine(): void {
  hyparquetWriter();
}

/** hyparquet-writer's in-memory writer, drained into the sink after every row group and at the end. */
function sinkWriter(sink: ParquetSink): ByteWriter & { flush(): Promise<void> } {
  const writer = new (hyparquetWriter().ByteWriter)(1024 * 1024);
  let last: Promise<void> = Promise.resolve();
  // Bytes are taken now, in encoding order; sink writes run one after another.
  const drain = (): Promise<void> => {
    if (writer.index === 0) return last;
    // A copy: the buffer is reused for the next row group while the sink may still hold this chunk.
    const chunk = new Uint8Array(writer.buffer.slice(0, writer.index));
    writer.index = 0;
    last = last.then(() => sink.write(chunk));
    return last;
  };
  // ParquetWriter calls flush() after each row group and finish() after the footer.
  return Object.assign(writer, { flush: drain, finish: drain });
}

export function openParquetFile(
  schema: SchemaElement[],
  columnNames: readonly string[],
  sink: ParquetSink,
  options: ParquetFileOptions,
): ParquetFileWriter {
  const writer = sinkWriter(sink);
  const parquet = new (hyparquetWriter().ParquetWriter)({
    writer,
    schema,
    codec: options.compression,
    compressors: COMPRESSORS,
    statistics: options.statistics,
    createdBy: options.createdBy ?? 'kinesis-pipeline-kit (hyparquet-writer)',
  });
  let rowGroups = 0;
  return {
    async writeRowGroup(columns, rowCount) {
      if (rowCount === 0) return;
      const columnData = columnNames.map((name, index) => ({ name, data: columns[index] as unknown[] }));
      rowGroups += 1;
      await parquet.write({ columnData, rowGroupSize: rowCount });
    },
    async finish() {
      await parquet.finish();
      await sink.close();
    },
    get bytesWritten() {
      return writer.offset;
    },
    get rowGroups() {
      return rowGroups;
    },
  };
}
