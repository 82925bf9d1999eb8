/**
 * The local run's accounting: the bucket is mirrored to disk, and every record the generator had
 * acknowledged must be found again on each path of the pipeline — in a delivered object, in an error
 * output with its reason, or dropped by a named rule. Counts come from the outputs themselves, not from the
 * components' own counters, so a component that loses records cannot hide it.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { GeneratedRecord, GenerateReport, RecordKind } from '../generator';
import type { LoadedPipeline } from '../pipeline/load';
import { counted, formatInteger } from '../text/count';

/** What the generator handed to the stream and the stream acknowledged. */
export class ExpectedRecords {
  readonly byKind: Partial<Record<RecordKind, number>> = {};
  total = 0;

  add(record: GeneratedRecord): void {
    this.total += 1;
    this.byKind[record.kind] = (this.byKind[record.kind] ?? 0) + 1;
  }

  get invalid(): number {
    return this.total - (this.byKind.valid ?? 0);
  }
}

export type Expected = ExpectedRecords;

export interface MirroredObject {
  key: string;
  file: string;
  bytes: number;
}

/** Objects fetched at once by the mirror: s3rver answers GetObject in a child process of its own. */
const MIRROR_CONCURRENCY = 8;

/** Copies every object of the bucket to `directory/<key>`: the lake any engine can read from disk. */
export async function mirrorBucket(
  client: S3Client,
  bucket: string,
  directory: string,
): Promise<MirroredObject[]> {
  const objects: MirroredObject[] = [];
  const copy = async (key: string): Promise<MirroredObject> => {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(await object.Body!.transformToByteArray());
    const file = join(directory, key);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, body);
    return { key, file, bytes: body.byteLength };
  };
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const keys = (page.Contents ?? []).flatMap(({ Key }) => (Key ? [Key] : []));
    for (let start = 0; start < keys.length; start += MIRROR_CONCURRENCY) {
      objects.push(...(await Promise.all(keys.slice(start, start + MIRROR_CONCURRENCY).map(copy))));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

async function jsonLines(file: string): Promise<Record<string, unknown>[]> {
  let bytes = await readFile(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return bytes
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Several objects per line are possible (error documents are one JSON per line too). */
async function linesUnder(objects: MirroredObject[], prefix: string): Promise<Record<string, unknown>[]> {
  const selected = objects.filter(
    (object) => object.key.startsWith(prefix) && !object.key.endsWith('.parquet'),
  );
  return (await Promise.all(selected.map((object) => jsonLines(object.file)))).flat();
}

function countBy(items: Record<string, unknown>[], field: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const key = String(item[field] ?? 'unknown');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Rows in these Parquet files, counted by DuckDB (an engine nobody here wrote); undefined without it. */
async function duckdbRowCount(files: string[]): Promise<number | undefined> {
  let duckdb: typeof import('@duckdb/node-api');
  try {
    duckdb = await import('@duckdb/node-api');
  } catch {
    return undefined;
  }
  if (files.length === 0) return 0;
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = files.map((file) => `'${file.replace(/'/g, "''")}'`).join(', ');
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n FROM read_parquet([${list}], hive_partitioning = true)`,
    );
    return Number(reader.getRowObjectsJson()[0]?.n ?? 0);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The keys a bucket holds now: outputs of earlier runs, which a run on a shared emulator leaves out. */
export async function existingKeys(client: S3Client, bucket: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const { Key } of page.Contents ?? []) if (Key) keys.add(Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

export interface PathCheck {
  name: string;
  expected: number;
  actual: number;
  /** How `actual` is made up, for the summary. */
  parts: Record<string, number>;
  ok: boolean;
}

export interface Reconciliation {
  ok: boolean;
  /** Why the outputs were not reconciled (they hold more than this run wrote). */
  skipped?: string;
  checks: PathCheck[];
  /** Error output records by reason (consumer) or errorCode (Firehose, conversion). */
  errors: Record<string, Record<string, number>>;
  /** Rows DuckDB reads from the Parquet lake. */
  lakeRows: number | undefined;
  lakeGlob: string | undefined;
}

function check(name: string, expected: number, parts: Record<string, number>): PathCheck {
  const actual = Object.values(parts).reduce((sum, value) => sum + value, 0);
  return { name, expected, actual, parts, ok: expected === actual };
}

export interface ReconcileInput {
  pipeline: LoadedPipeline;
  expected: ExpectedRecords;
  generated: GenerateReport;
  /** This run's objects (on a shared bucket, the ones that were not there before it). */
  outputs: MirroredObject[];
  lakeDirectory: string;
  /** Records dropped by filter rules, per path (outputs cannot show them). */
  dropped: { consumer: number; firehose: number };
}

export async function reconcile(input: ReconcileInput): Promise<Reconciliation> {
  const { config } = input.pipeline;
  const { expected, outputs } = input;
  const checks: PathCheck[] = [];
  const errors: Reconciliation['errors'] = {};
  checks.push(
    check('generator: acknowledged = recorded', input.generated.acknowledged, { recorded: expected.total }),
  );

  if (config.consumer) {
    const s3Prefixes = config.consumer.sinks.flatMap((sink) => (sink.type === 's3' ? [sink.prefix] : []));
    const delivered = (await Promise.all(s3Prefixes.map((prefix) => linesUnder(outputs, prefix)))).flat();
    const failed = await linesUnder(outputs, config.consumer.errorPrefix);
    errors.consumer = countBy(failed, 'reason');
    if (s3Prefixes.length > 0) {
      checks.push(
        check(
          'streamConsumer: every record delivered, dropped by a rule, or in the error output',
          expected.total,
          {
            delivered: delivered.length,
            dropped: input.dropped.consumer,
            errors: failed.length,
          },
        ),
      );
    }
  }

  let lakeRows: number | undefined;
  let lakeGlob: string | undefined;
  // A direct-put delivery stream is fed by producers of its own, not by the generator's stream.
  if (config.delivery?.source === 'kinesis') {
    const rawPrefix = config.delivery.prefix.split('!{')[0]!;
    const errorPrefix = (config.delivery.errorOutputPrefix ?? 'errors/').split('!{')[0]!;
    const raw = await linesUnder(
      outputs.filter(
        (object) => !config.conversion || !object.key.startsWith(config.conversion.outputPrefix),
      ),
      rawPrefix,
    );
    const failed = (await linesUnder(outputs, errorPrefix)).filter((record) => 'errorCode' in record);
    errors.firehose = countBy(failed, 'errorCode');
    checks.push(
      check('Firehose: every record delivered raw, dropped, or in the error prefix', expected.total, {
        delivered: raw.length,
        dropped: input.dropped.firehose,
        errors: failed.length,
      }),
    );
    if (config.conversion) {
      const conversionErrors = (await linesUnder(outputs, config.conversion.errorPrefix)).filter(
        (record) => 'code' in record,
      );
      errors.conversion = countBy(conversionErrors, 'code');
      const outputPrefix = config.conversion.outputPrefix;
      lakeRows = await duckdbRowCount(
        outputs
          .filter((object) => object.key.startsWith(outputPrefix) && object.key.endsWith('.parquet'))
          .map((object) => object.file),
      );
      lakeGlob = join(input.lakeDirectory, config.conversion.outputPrefix, '**', '*.parquet');
      if (lakeRows !== undefined) {
        checks.push(
          check(
            'parquetConverter: every raw record in the lake (DuckDB count) or a conversion error',
            raw.length,
            {
              lakeRows,
              errors: conversionErrors.length,
            },
          ),
        );
      }
    }
  }
  return { ok: checks.every((item) => item.ok), checks, errors, lakeRows, lakeGlob };
}

/** What each stage counted, for the outcome checks (the reconciliation counts outputs, these count inputs). */
export interface StageCounts {
  /** Records the run was asked for (undefined: --follow, until Ctrl-C). */
  requested: number | undefined;
  acknowledged: number;
  /** The run was stopped (Ctrl-C) before generating what it was asked for. */
  interrupted: boolean;
  /** Why the generator stopped early on its own (a sink or producer fault). */
  generationStopped?: string;
  consumer?: { received: number; delivered: number; errors: number };
  firehose?: { received: number; delivered: number; errors: number };
  windows?: { received: number };
  conversion?: { objects: number; expected: boolean };
}

/**
 * Outcomes a reconciliation cannot see: it proves nothing was lost, not that anything happened. A stage
 * that received nothing while records were generated, or a path on which every record ended in errors,
 * means the run did not do its job even when every record is accounted for.
 */
export function runProblems(counts: StageCounts): string[] {
  const problems: string[] = [];
  if (counts.interrupted) {
    const asked = counts.requested === undefined ? '' : ` of ${counts.requested}`;
    problems.push(`interrupted: stopped by Ctrl-C or SIGTERM after ${counts.acknowledged}${asked} records`);
  }
  if (counts.generationStopped) problems.push(`generation stopped early: ${counts.generationStopped}`);
  if (counts.acknowledged === 0) {
    problems.push('no record reached the stream: nothing was generated or every PutRecords failed');
    return problems;
  }
  const stages = [
    ['streamConsumer', counts.consumer],
    ['Firehose', counts.firehose],
    ['windowAggregator', counts.windows],
  ] as const;
  for (const [name, stage] of stages) {
    if (stage && stage.received === 0) {
      problems.push(`${name} received nothing while ${counts.acknowledged} records were generated`);
    }
  }
  for (const [name, stage] of [stages[0], stages[1]] as const) {
    if (stage && stage.received > 0 && stage.delivered === 0 && stage.errors > 0) {
      problems.push(
        `${name}: every record ended in errors (${stage.errors}); does the template fit the schema? (--template)`,
      );
    }
  }
  if (
    counts.conversion?.expected &&
    counts.conversion.objects === 0 &&
    (counts.firehose?.delivered ?? 0) > 0
  ) {
    problems.push('parquetConverter converted no object although Firehose delivered records');
  }
  return problems;
}

/** Records a path took in but did not deliver, from the components' counters (every run, --follow too). */
export interface InFlightCounts {
  /** Records whose PutRecords failed after the generator's retries, and their error codes. */
  generator: { failed: number; errors: Record<string, number> };
  consumer?: { deadLettered: number; deadLetterFile: string };
  firehose?: {
    /** Not written to S3 (permanent error, or transient ones past the retry window). */
    deliveryFailed: number;
    /** Still buffered or waiting on an S3 retry when the run ended. */
    pending: number;
    discardedOnStop: number;
    deadLettered: number;
  };
  windows?: { deadLettered: number; rowsFailed: number; deadLetterFile: string };
}

/**
 * One line per path that lost, failed or left records undelivered, naming what and where to look; empty
 * when every record got somewhere. Any line makes the run's exit non-zero (lib/cli/local.ts).
 */
export function undeliveredByPath(counts: InFlightCounts): string[] {
  const lines: string[] = [];
  const { failed, errors } = counts.generator;
  if (failed > 0) {
    const codes = Object.entries(errors)
      .map(([code, count]) => `${code} ${formatInteger(count)}`)
      .join(', ');
    lines.push(
      `generator: ${counted(failed, 'record')} failed PutRecords after retries and never reached the stream (${codes || 'no error code'})`,
    );
  }
  const { consumer, firehose, windows } = counts;
  if (consumer && consumer.deadLettered > 0) {
    lines.push(
      `consumer: ${counted(consumer.deadLettered, 'record')} only in dead letters (${consumer.deadLetterFile}: each line with its records' data, or a pointer for a batch over 6 MiB)`,
    );
  }
  if (firehose) {
    const lost = [
      [
        firehose.deliveryFailed,
        "not written to S3 after retries (deliveryFailed; the run's log names the objects)",
      ],
      [firehose.pending, 'still buffered or waiting on S3 retries when the run ended'],
      [firehose.discardedOnStop, 'discarded from the buffers on stop'],
      [firehose.deadLettered, "only in the source reader's dead letters"],
    ] as const;
    for (const [count, what] of lost)
      if (count > 0) lines.push(`firehose: ${counted(count, 'record')} ${what}`);
  }
  if (windows && windows.deadLettered > 0) {
    lines.push(
      `windows: ${counted(windows.deadLettered, 'record')} only in dead letters (${windows.deadLetterFile})`,
    );
  }
  if (windows && windows.rowsFailed > 0) {
    lines.push(`windows: ${counted(windows.rowsFailed, 'result row')} not written to the results sink`);
  }
  return lines;
}
