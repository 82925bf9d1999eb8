/**
 * The lake a query sees and the rules it runs under: views over a small state folder, DuckDB's own error
 * for bad SQL, and every way out of the state folder refused with nothing written.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleQuery, lakeLayout, LakeQueryError, openLake, type Lake } from '../../../lib/lake/query';
import { loadPipeline } from '../../../lib/pipeline/load';
import type { PipelineConfig } from '../../../lib/pipeline/types';
import { writeLake } from './lake-fixture';

const pipeline = loadPipeline();
const layout = lakeLayout(pipeline.config);
let stateDir: string;
let lake: Lake;

beforeAll(async () => {
  stateDir = await writeLake();
  lake = await openLake(stateDir, layout);
});

afterAll(() => {
  lake.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function failure(sql: string): Promise<LakeQueryError> {
  const error: unknown = await lake.query(sql).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof LakeQueryError))
    throw new Error(`expected a LakeQueryError for ${sql}, got ${String(error)}`);
  return error;
}

it('reads pipeline.yml folders: curated Parquet, raw and error outputs', () => {
  expect(layout).toMatchObject({
    lake: 'curated/',
    raw: 'raw/',
    errors: 'errors/',
    consumerErrors: 'consumer-errors/',
  });
  // consumer/ holds no file in the fixture: no view for it.
  expect(lake.views.map((view) => view.name)).toEqual(['lake', 'raw', 'errors']);
});

it('the lake view has the hive partitions as columns', async () => {
  const result = await lake.query(
    'SELECT event_type, count(*) AS events, sum(amount) AS revenue FROM lake GROUP BY ALL ORDER BY event_type',
  );

  expect(result.columns.map((column) => column.name)).toEqual(['event_type', 'events', 'revenue']);
  expect(result.rows).toEqual([
    ['click', '3', null],
    ['purchase', '2', 15],
  ]);
  expect(result.truncated).toBe(false);
});

it('the errors and raw views read the gzipped JSON lines', async () => {
  const errors = await lake.query('SELECT errorCode FROM errors ORDER BY errorCode');
  const raw = await lake.query('SELECT count(*) AS n FROM raw');

  expect(errors.rows).toEqual([['NotJson'], ['SchemaViolation']]);
  expect(raw.rows).toEqual([['2']]);
});

it('reads at most maxRows rows and says there were more', async () => {
  const cut = await lake.query('SELECT event_id FROM lake ORDER BY event_id', { maxRows: 2 });
  const exact = await lake.query('SELECT event_id FROM lake ORDER BY event_id', { maxRows: 5 });

  expect(cut.rows).toEqual([['e1'], ['e2']]);
  expect(cut.truncated).toBe(true);
  expect(exact.rows).toHaveLength(5);
  expect(exact.truncated).toBe(false);
});

it('DESCRIBE, SUMMARIZE and EXPLAIN are read-only and run', async () => {
  const described = await lake.query('DESCRIBE lake');

  expect(described.rows.map((row) => row[0])).toEqual(['event_id', 'amount', 'dt', 'event_type']);
  await expect(lake.query('SUMMARIZE lake')).resolves.toBeDefined();
  await expect(lake.query('EXPLAIN SELECT * FROM lake')).resolves.toBeDefined();
});

it('bad SQL gives DuckDB own message', async () => {
  const error = await failure('SELECT nope FROM lake');

  expect(error.kind).toBe('sql');
  expect(error.message).toMatch(/Binder Error: Referenced column "nope" not found/);
  expect((await failure('SELEC 1')).message).toMatch(/Parser Error/);
});

describe('a query cannot leave the state folder, write, change settings or load extensions', () => {
  const outside = mkdtempSync(join(tmpdir(), 'kpipe-outside-'));
  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  it.each([
    [
      'COPY to a file outside',
      `COPY (SELECT 1) TO '${join(outside, 'x.csv')}'`,
      /Permission Error: Cannot access file/,
    ],
    [
      'read_text outside',
      "SELECT * FROM read_text('/etc/passwd')",
      /Permission Error: Cannot access file "\/etc\/passwd"/,
    ],
    ['read_csv climbing out', `SELECT * FROM read_csv('STATE/../../../etc/passwd')`, /Permission Error/],
    ['glob outside', "SELECT * FROM glob('/etc/*')", /Permission Error/],
    ['a URL', "SELECT * FROM read_parquet('https://example.com/x.parquet')", /Permission Error/],
    ['ATTACH', `ATTACH '${join(outside, 'x.db')}'`, /ATTACH statements are not allowed/],
    ['INSTALL', 'INSTALL httpfs', /INSTALL and LOAD statements are not allowed/],
    ['LOAD', 'LOAD httpfs', /INSTALL and LOAD statements are not allowed/],
    ['SET enable_external_access', 'SET enable_external_access = true', /SET statements are not allowed/],
    ['read_blob in the home folder', "SELECT * FROM read_blob('~/.bashrc')", /Permission Error/],
    ['COPY into the state folder', `COPY (SELECT 1) TO 'STATE/bucket/curated/x.parquet'`, /not allowed/],
    ['two statements', 'SELECT 1; SELECT 2', /one statement at a time, got 2/],
    ['CREATE TABLE', 'CREATE TABLE t AS SELECT 1', /CREATE statements are not allowed/],
  ])('%s is refused', async (_name, sql, reason) => {
    const error = await failure(sql.replace('STATE', stateDir));

    expect(error.kind).toBe('refused');
    expect(error.message).toMatch(reason);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(stateDir, 'bucket', 'curated', 'x.parquet'))).toBe(false);
  });

  it('the settings stay locked: external access off, only the state folder allowed', async () => {
    const settings = await lake.query(
      "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', 'lock_configuration', 'autoload_known_extensions', 'autoinstall_known_extensions', 'allowed_directories') ORDER BY name",
    );

    expect(Object.fromEntries(settings.rows as [string, string][])).toEqual({
      allowed_directories: `[${stateDir}/]`,
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      enable_external_access: 'false',
      lock_configuration: 'true',
    });
  });
});

it('no Parquet under the state folder: says to run npm start first', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'kpipe-empty-'));
  try {
    const error: unknown = await openLake(empty, layout).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(LakeQueryError);
    expect((error as LakeQueryError).kind).toBe('no-lake');
    expect((error as LakeQueryError).message).toMatch(/no Parquet lake in .*curated.*run `npm start`/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

describe('exampleQuery', () => {
  it('groups by the first hive partition of the delivery prefix', () => {
    expect(exampleQuery(pipeline.config)).toBe(
      'SELECT event_type, count(*) AS records FROM lake GROUP BY ALL ORDER BY records DESC',
    );
  });

  it('counts the rows when the prefix has no partition', () => {
    const config = { ...pipeline.config, delivery: { ...pipeline.config.delivery!, prefix: 'raw/' } };

    expect(exampleQuery(config as PipelineConfig)).toBe('SELECT count(*) AS records FROM lake');
  });
});

it('an error folder DuckDB cannot read as JSON lines gets no view; the lake still answers', async () => {
  const dir = await writeLake();
  const errors = join(dir, 'bucket', 'errors', 'processing-failed', 'dt=2026-12-01', 'clickstream-1.gz');
  writeFileSync(errors, 'not json at all\n');
  const broken = await openLake(dir, layout);
  try {
    expect(broken.views.map((view) => view.name)).toEqual(['lake', 'raw']);
    expect(broken.unreadable).toEqual([
      expect.objectContaining({ name: 'errors', prefix: 'errors/', reason: expect.any(String) as string }),
    ]);
    expect((await broken.query('SELECT count(*) FROM lake')).rows).toEqual([['5']]);
  } finally {
    broken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
