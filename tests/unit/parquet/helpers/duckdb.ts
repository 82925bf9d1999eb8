import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  compileConversion,
  convertJsonLines,
  fileSink,
  type CompiledConversion,
  type ConversionConfig,
  type ConversionErrorRecord,
  type ConversionSummary,
} from '../../../../lib/parquet';

/** DuckDB as the independent reader: every file a test writes is read back by a real engine. */
export interface Oracle {
  /** Column name → DuckDB type, from `DESCRIBE SELECT * FROM 'file'`. */
  types(file: string): Promise<Record<string, string>>;
  /** Rows as JSON-safe values (BIGINT as strings, timestamps as text). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** Converts `input` with `schema` to a fresh file under os.tmpdir() and returns where it went. */
  convert(
    schema: object,
    input: Iterable<Buffer | string>,
    options?: Partial<ConversionConfig>,
  ): Promise<{
    file: string;
    summary: ConversionSummary;
    errors: ConversionErrorRecord[];
    conversion: CompiledConversion;
  }>;
  close(): void;
}

export async function openOracle(): Promise<Oracle> {
  const directory = mkdtempSync(join(tmpdir(), 'kpipe-parquet-test-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await instance.connect();
  let files = 0;
  return {
    async types(file) {
      const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM '${file}'`);
      return Object.fromEntries(
        reader.getRowObjectsJson().map((row) => [String(row.column_name), String(row.column_type)]),
      );
    },
    async rows(sql) {
      return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    },
    async convert(schema, input, options = {}) {
      files += 1;
      const file = join(directory, `out-${files}.parquet`);
      const conversion = compileConversion(schema, options);
      const errors: ConversionErrorRecord[] = [];
      const summary = await convertJsonLines(input, fileSink(file), {
        conversion,
        onError: (error) => {
          errors.push(error);
        },
      });
      return { file, summary, errors, conversion };
    },
    close() {
      connection.closeSync();
      instance.closeSync();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export function lines(records: readonly unknown[]): string {
  return (
    records.map((record) => (typeof record === 'string' ? record : JSON.stringify(record))).join('\n') + '\n'
  );
}
