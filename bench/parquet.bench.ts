/**
 * JSON lines → Parquet: our converter beside DuckDB's `COPY (SELECT * FROM read_json(..)) TO .. (FORMAT
 * parquet)` on the same 200,000 clickstream records, then peak RSS converting a 200 MB input in a child
 * process. `PARQUET_BENCH_ENGINES=1` adds the writer comparison of docs/parquet.md (slow: parquetjs-lite);
 * `PARQUET_BENCH_ROW_GROUP=<rows>` changes the row-group size of the memory run (default 100,000).
 *
 *   npx tsx bench/run.ts parquet
 */
import { fork } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { DuckDBInstance } from '@duckdb/node-api';
import { runBench } from './harness';
import { compileConversion, convertJsonLines, fileSink, type CompiledConversion } from '../lib/parquet';

const RECORDS = 200_000;
const MEMORY_INPUT_BYTES = 200 * 1024 * 1024;
const dir = join(tmpdir(), 'kpipe-parquet-bench');
const schema = JSON.parse(
  readFileSync(join(__dirname, '..', 'schemas', 'clickstream.schema.json'), 'utf8'),
) as object;

/** Deterministic clickstream-like records (a seeded LCG), shaped like schemas/clickstream.schema.json. */
function* clickstream(count: number): Generator<string> {
  let seed = 42;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const types = ['page_view', 'click', 'search', 'add_to_cart', 'purchase'] as const;
  for (let i = 0; i < count; i += 1) {
    const type = pick(types);
    const record: Record<string, unknown> = {
      event_id: `${i.toString(16).padStart(8, '0')}-7a1e-4b2c-8d3e-${(i * 7).toString(16).padStart(12, '0')}`,
      event_type: type,
      customer_id: `c-${Math.floor(random() * 50_000)}`,
      session_id: `s-${Math.floor(random() * 1e9).toString(36)}`,
      timestamp: new Date(1_718_000_000_000 + i * 1000).toISOString(),
      event_date: '2024-06-10',
      page: {
        url: `https://shop.example.com/p/${Math.floor(random() * 5000)}`,
        path: `/p/${Math.floor(random() * 5000)}`,
        title: `Product page ${Math.floor(random() * 100)}`,
        referrer: random() < 0.5 ? null : 'https://www.google.com/',
      },
      device: {
        type: pick(['desktop', 'mobile', 'tablet']),
        os: pick(['iOS', 'Android', 'Windows', 'macOS']),
        browser: pick(['Chrome', 'Safari', 'Firefox']),
        user_agent:
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      },
      customer: {
        email: `user${Math.floor(random() * 50_000)}@example.com`,
        segment: pick(['new', 'returning', 'vip']),
        lifetime_orders: Math.floor(random() * 40),
      },
      tags: random() < 0.5 ? ['sale', 'summer'] : ['promo'],
    };
    if (type === 'purchase') {
      record.amount = Math.round(random() * 50_000) / 100;
      record.currency = 'EUR';
      record.items = [
        { sku: `SKU-${Math.floor(random() * 1000)}`, quantity: 1 + Math.floor(random() * 3), price: 19.99 },
        { sku: 'SKU-9', quantity: 2, price: 3.5 },
      ];
    }
    if (type === 'search') record.search_query = `shoes ${Math.floor(random() * 100)}`;
    yield JSON.stringify(record);
  }
}

/** Writes records until `count` records or `bytes` bytes, whichever comes first; reuses an existing file. */
async function generate(path: string, count: number, bytes = Number.POSITIVE_INFINITY): Promise<number> {
  if (existsSync(path)) return statSync(path).size;
  mkdirSync(dir, { recursive: true });
  const out = createWriteStream(`${path}.partial`);
  let written = 0;
  let batch = '';
  for (const line of clickstream(count)) {
    batch += `${line}\n`;
    if (batch.length > 1 << 20) {
      written += batch.length;
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
      if (written >= bytes) break;
    }
  }
  out.end(batch);
  await once(out, 'finish');
  renameSync(`${path}.partial`, path);
  return statSync(path).size;
}

async function convertFile(conversion: CompiledConversion, input: string, output: string): Promise<number> {
  let errors = 0;
  const summary = await convertJsonLines(
    createReadStream(input, { highWaterMark: 1 << 20 }),
    fileSink(output),
    {
      conversion,
      onError: () => {
        errors += 1;
      },
    },
  );
  if (errors > 0 || summary.rowsWritten === 0)
    throw new Error(`bench input did not convert cleanly: ${JSON.stringify(summary)}`);
  return summary.rowsWritten;
}

/** Runs in the forked child: converts the 200 MB input and reports the process's peak RSS. */
async function memoryChild(): Promise<void> {
  const input = process.env.PARQUET_BENCH_INPUT as string;
  const conversion = compileConversion(schema, {
    rowGroupSize: Number(process.env.PARQUET_BENCH_ROW_GROUP ?? 100_000),
  });
  const before = process.memoryUsage().rss;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 20);
  const start = process.hrtime.bigint();
  const rows = await convertFile(conversion, input, join(dir, 'memory.parquet'));
  clearInterval(sampler);
  const report = {
    rows,
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
    rssBeforeMB: before / 2 ** 20,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    peakHeapMB: peakHeap / 2 ** 20,
    rowGroupSize: conversion.options.rowGroupSize,
  };
  // Forked by measureMemory, or run by hand: PARQUET_BENCH_CHILD=memory PARQUET_BENCH_INPUT=<file> npx tsx bench/parquet.bench.ts
  if (process.send) process.send(report);
  else console.log(JSON.stringify(report));
}

async function measureMemory(): Promise<void> {
  const input = join(dir, 'memory-200mb.jsonl');
  const size = await generate(input, Number.MAX_SAFE_INTEGER, MEMORY_INPUT_BYTES);
  const child = fork(__filename, [], {
    env: { ...process.env, PARQUET_BENCH_CHILD: 'memory', PARQUET_BENCH_INPUT: input },
  });
  const [report] = (await once(child, 'message')) as [Record<string, number>];
  await once(child, 'exit');
  const mb = (value: number | undefined): string => (value ?? Number.NaN).toFixed(0);
  console.log(
    `parquet memory: ${(size / 2 ** 20).toFixed(0)} MB JSON lines, ${report.rows} rows in ${report.seconds?.toFixed(1)} s` +
      ` | peak RSS ${mb(report.peakRssMB)} MB (${mb(report.rssBeforeMB)} MB before converting)` +
      ` | peak heap ${mb(report.peakHeapMB)} MB | rowGroupSize ${report.rowGroupSize}`,
  );
}

/** The writer comparison behind docs/parquet.md: same records, each engine's own API, one run each. */
async function compareEngines(input: string): Promise<void> {
  const rows = Number(process.env.PARQUET_BENCH_ENGINE_ROWS ?? 20_000);
  const lines = readFileSync(input, 'utf8').split('\n').filter(Boolean).slice(0, rows);
  const rounds = 3;
  const time = async (name: string, run: () => Promise<unknown>): Promise<void> => {
    const seconds: number[] = [];
    try {
      for (let round = 0; round < rounds; round += 1) {
        const start = process.hrtime.bigint();
        await run();
        seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
      }
      const median = [...seconds].sort((a, b) => a - b)[Math.floor(rounds / 2)] as number;
      console.log(
        `engine ${name}: ${lines.length} rows, median of ${rounds}: ${median.toFixed(2)} s (${Math.round(lines.length / median)} rows/s)`,
      );
    } catch (error) {
      console.log(`engine ${name}: failed: ${(error as Error).message}`);
    }
  };
  const subset = join(dir, `engines-${rows}.jsonl`);
  if (!existsSync(subset)) {
    const out = createWriteStream(subset);
    out.end(`${lines.join('\n')}\n`);
    await once(out, 'finish');
  }
  const conversion = compileConversion(schema);
  await time('hyparquet-writer (this converter, parse + coerce + write)', () =>
    convertFile(conversion, subset, join(dir, 'engine-hyparquet.parquet')),
  );
  type RowWriter = { appendRow(row: object): Promise<void>; close(): Promise<void> };
  type RowLibrary = {
    ParquetSchema: new (fields: object) => object;
    ParquetWriter: { openFile(schema: object, path: string, options?: object): Promise<RowWriter> };
  };
  const rowLibraryRun = (library: RowLibrary, file: string, options: object) => async (): Promise<void> => {
    const text = (optional = true): object => ({ type: 'UTF8', optional, compression: 'SNAPPY' });
    const rowSchema = new library.ParquetSchema({
      event_id: text(false),
      event_type: text(false),
      customer_id: text(false),
      session_id: text(false),
      timestamp: { type: 'TIMESTAMP_MICROS', compression: 'SNAPPY' },
      event_date: { type: 'DATE', optional: true, compression: 'SNAPPY' },
      amount: { type: 'DOUBLE', optional: true, compression: 'SNAPPY' },
      currency: text(),
      page: { fields: { url: text(false), path: text(false), title: text(), referrer: text() } },
      device: { fields: { type: text(false), os: text(), browser: text(), user_agent: text() } },
      customer: {
        optional: true,
        fields: { email: text(), segment: text(), lifetime_orders: { type: 'INT64', optional: true } },
      },
      search_query: text(),
      items: {
        repeated: true,
        fields: { sku: text(false), quantity: { type: 'INT64' }, price: { type: 'DOUBLE' } },
      },
      tags: { type: 'UTF8', repeated: true, compression: 'SNAPPY' },
    });
    const writer = await library.ParquetWriter.openFile(rowSchema, join(dir, file), {
      rowGroupSize: 100_000,
      ...options,
    });
    for (const line of lines) {
      const record = JSON.parse(line) as Record<string, unknown> & { page: Record<string, unknown> };
      record.timestamp = new Date(record.timestamp as string);
      record.event_date = new Date(record.event_date as string);
      if (record.page.referrer === null) delete record.page.referrer;
      await writer.appendRow(record);
    }
    await writer.close();
  };
  /* eslint-disable @typescript-eslint/no-require-imports -- optional dev-only engines, loaded only here */
  await time(
    'parquetjs-lite',
    rowLibraryRun(require('parquetjs-lite') as RowLibrary, 'engine-lite.parquet', {}),
  );
  /* eslint-enable @typescript-eslint/no-require-imports */
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await time('DuckDB COPY read_json', () =>
    duck.run(
      `COPY (SELECT * FROM read_json('${subset}')) TO '${join(dir, 'engine-duckdb.parquet')}' (FORMAT parquet)`,
    ),
  );
}

export default async function bench(): Promise<void> {
  const input = join(dir, `clickstream-${RECORDS}.jsonl`);
  const size = await generate(input, RECORDS);
  const conversion = compileConversion(schema);
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  console.log(`input: ${RECORDS} records, ${(size / 2 ** 20).toFixed(0)} MB JSON lines`);
  await runBench({
    name: 'parquet convertJsonLines (clickstream, SNAPPY)',
    unitsPerCall: RECORDS,
    unit: 'records',
    rounds: 3,
    subject: () => convertFile(conversion, input, join(dir, 'ours.parquet')),
    baselineName: "DuckDB COPY (SELECT * FROM read_json('in.jsonl')) TO parquet",
    baseline: () =>
      duck.run(
        `COPY (SELECT * FROM read_json('${input}')) TO '${join(dir, 'duckdb.parquet')}' (FORMAT parquet)`,
      ),
  });
  await measureMemory();
  if (process.env.PARQUET_BENCH_ENGINES === '1') await compareEngines(input);
}

if (process.env.PARQUET_BENCH_CHILD === 'memory') {
  memoryChild().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
