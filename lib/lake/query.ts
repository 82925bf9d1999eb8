/**
 * SQL over a local run's mirrored bucket (`<state dir>/bucket`, written by `kpipe local`), with DuckDB in
 * this process. Views name the outputs so a query needs no globs: `lake` (the curated Parquet, hive
 * partitions as columns), `raw`, `errors`, `consumer`, `consumer_errors` (JSON lines, as delivered).
 *
 * The rules a query runs under live here, for `kpipe query` and any later console alike: DuckDB reads
 * only files under the state folder (`allowed_directories` with `enable_external_access = false`), never
 * installs or loads extensions, the configuration is locked so SQL cannot undo this, and only read-only
 * statements run (a COPY into the state folder would be allowed by the file rule alone).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PipelineConfig } from '../pipeline/types';

/** The state folder `kpipe local` uses by default (its --state-dir). */
export const DEFAULT_STATE_DIR = '.local';

/** Where `kpipe local` mirrors the bucket inside its state folder (lib/local/run-drain.ts). */
export function bucketDirectory(stateDir: string): string {
  return join(stateDir, 'bucket');
}

/** Key prefixes of each output in the bucket. */
export interface LakeLayout {
  lake: string;
  raw?: string;
  errors?: string;
  consumer?: string[];
  consumerErrors?: string;
}

/** The folder before a Firehose prefix's first expression: `raw/event_type=!{...}/` reads as `raw/`. */
function staticPart(prefix: string): string {
  const head = prefix.split('!{')[0]!;
  return head.slice(0, head.lastIndexOf('/') + 1);
}

/** The folders pipeline.yml sends each output to. */
export function lakeLayout(config: PipelineConfig): LakeLayout {
  const consumerPrefixes = config.consumer?.sinks.flatMap((sink) =>
    sink.type === 's3' ? [sink.prefix] : [],
  );
  return {
    lake: config.conversion?.outputPrefix ?? 'curated/',
    raw: config.delivery ? staticPart(config.delivery.prefix) : undefined,
    errors: config.delivery ? staticPart(config.delivery.errorOutputPrefix ?? 'errors/') : undefined,
    consumer: consumerPrefixes,
    consumerErrors: config.consumer?.errorPrefix,
  };
}

/**
 * A query that works on any pipeline's lake (the summary's `try:` line): records per value of the first
 * hive partition the delivery prefix writes (`event_type=!{...}/` gives the `event_type` column).
 */
export function exampleQuery(config: PipelineConfig): string {
  const column = /([A-Za-z_][A-Za-z0-9_]*)=!\{/.exec(config.delivery?.prefix ?? '')?.[1];
  return column === undefined
    ? 'SELECT count(*) AS records FROM lake'
    : `SELECT ${column}, count(*) AS records FROM lake GROUP BY ALL ORDER BY records DESC`;
}

/** Why a query gave no result: no lake to query, a statement the rules refuse, or DuckDB's own error. */
export class LakeQueryError extends Error {
  constructor(
    readonly kind: 'no-lake' | 'refused' | 'sql',
    message: string,
  ) {
    super(message);
    this.name = 'LakeQueryError';
  }
}

export interface LakeView {
  name: string;
  /** The folder it reads, relative to the bucket. */
  prefix: string;
}

export interface QueryResult {
  columns: { name: string; type: string }[];
  /** JSON-safe values (BIGINT and DECIMAL as strings, as DuckDB's JSON conversion gives them). */
  rows: unknown[][];
  /** More rows than `maxRows` exist; they were not read. */
  truncated: boolean;
}

export interface Lake {
  views: LakeView[];
  /** Output folders with files DuckDB could not read as JSON lines: no view for them, and why. */
  unreadable: (LakeView & { reason: string })[];
  query(sql: string, options?: { maxRows?: number }): Promise<QueryResult>;
  close(): void;
}

/** Statement types a query may be: SELECT (also WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, PRAGMA) and EXPLAIN. */
const READ_ONLY = new Set(['SELECT', 'EXPLAIN']);

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function filesUnder(directory: string, keep: (name: string) => boolean): boolean {
  if (!existsSync(directory)) return false;
  return readdirSync(directory, { recursive: true, withFileTypes: true }).some(
    (entry) => entry.isFile() && keep(entry.name),
  );
}

const isParquet = (name: string) => name.endsWith('.parquet');
const isJsonLines = (name: string) => !isParquet(name);

/** Opens DuckDB locked to the state folder, with a view per output present on disk. */
export async function openLake(stateDir: string, layout: LakeLayout): Promise<Lake> {
  const root = resolve(stateDir);
  const bucket = bucketDirectory(root);
  const lakeFolder = join(bucket, layout.lake);
  if (!filesUnder(lakeFolder, isParquet)) {
    throw new LakeQueryError(
      'no-lake',
      `no Parquet lake in ${join(stateDir, 'bucket', layout.lake)}: run \`npm start\` (kpipe local) first` +
        (stateDir === DEFAULT_STATE_DIR ? '' : ` with --state-dir ${stateDir}`),
    );
  }
  const { DuckDBInstance, StatementType } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  try {
    // Order matters: the allowed folder before access is cut, the lock last. No spill folder: DuckDB
    // would allow it too, and it defaults to ./.tmp outside the state folder.
    await connection.run(`SET temp_directory = ''`);
    await connection.run(`SET allowed_directories = [${sqlString(root)}]`);
    await connection.run('SET enable_external_access = false');
    await connection.run('SET lock_configuration = true');

    const views: LakeView[] = [];
    const unreadable: Lake['unreadable'] = [];
    const addView = async (name: string, prefix: string, parquet: boolean) => {
      const folder = join(bucket, prefix);
      if (!filesUnder(folder, parquet ? isParquet : isJsonLines)) return;
      const glob = sqlString(join(folder, '**', parquet ? '*.parquet' : '*'));
      const source = parquet
        ? `read_parquet(${glob}, hive_partitioning = true, union_by_name = true)`
        : `read_json(${glob}, format = 'newline_delimited', union_by_name = true, filename = true)`;
      try {
        await connection.run(`CREATE VIEW ${name} AS SELECT * FROM ${source}`);
        views.push({ name, prefix });
      } catch (error) {
        // The lake is what a query is for; an unreadable error folder should not hide it.
        if (parquet)
          throw new LakeQueryError('sql', `cannot read the lake in ${folder}: ${(error as Error).message}`);
        unreadable.push({ name, prefix, reason: (error as Error).message });
      }
    };
    await addView('lake', layout.lake, true);
    if (layout.raw) await addView('raw', layout.raw, false);
    if (layout.errors) await addView('errors', layout.errors, false);
    if (layout.consumer?.length === 1) await addView('consumer', layout.consumer[0]!, false);
    if (layout.consumerErrors) await addView('consumer_errors', layout.consumerErrors, false);

    const query = async (sql: string, options: { maxRows?: number } = {}): Promise<QueryResult> => {
      const maxRows = options.maxRows ?? 1000;
      try {
        const statements = await connection.extractStatements(sql);
        if (statements.count !== 1) {
          throw new LakeQueryError(
            'refused',
            `one statement at a time, got ${statements.count}: run each on its own`,
          );
        }
        const prepared = await statements.prepare(0);
        try {
          // DuckDB files INSTALL under LOAD.
          const name = StatementType[prepared.statementType] ?? String(prepared.statementType);
          const type = name === 'LOAD' ? 'INSTALL and LOAD' : name;
          if (!READ_ONLY.has(name)) {
            throw new LakeQueryError(
              'refused',
              `refused: ${type} statements are not allowed; queries are read-only (SELECT, WITH, DESCRIBE, SUMMARIZE, EXPLAIN)`,
            );
          }
          const reader = await prepared.streamAndReadUntil(maxRows + 1);
          const names = reader.columnNames();
          const types = reader.columnTypes();
          const rows = reader.getRowsJson() as unknown[][];
          return {
            columns: names.map((name, index) => ({ name, type: types[index]!.toString() })),
            rows: rows.slice(0, maxRows),
            truncated: rows.length > maxRows,
          };
        } finally {
          prepared.destroySync();
        }
      } catch (error) {
        if (error instanceof LakeQueryError) throw error;
        const message = (error as Error).message;
        if (/^Permission Error|configuration has been locked/.test(message)) {
          throw new LakeQueryError(
            'refused',
            `refused: ${message}\nqueries read only files under ${root}, cannot change settings or load extensions`,
          );
        }
        throw new LakeQueryError('sql', message);
      }
    };
    return { views, unreadable, query, close };
  } catch (error) {
    close();
    throw error;
  }
}
