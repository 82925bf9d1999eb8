/**
 * `kpipe local` end to end on each Kinesis emulator: a bounded run reconciles exactly (20,000 records on
 * kinesalite, the default; 800 with a few megabyte records on kinesis-mock, which takes a few hundred a
 * second), DuckDB reads the Parquet lake with as many rows as Firehose delivered, each event_id once (the
 * producers, in their worker thread, resent nothing), and the bad records sit in the error outputs with
 * their reasons.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { formatSummary } from '../../../lib/cli/local';
import { localConverter } from '../../../lib/local/converter';
import { runLocalPipeline, type LocalRunSummary } from '../../../lib/local/runtime';
import { loadPipeline } from '../../../lib/pipeline/load';

const env = { ...process.env, MASK_SALT: 'e2e-salt', POWERTOOLS_LOG_LEVEL: 'ERROR' };

const runs = [
  { emulator: 'kinesalite', count: 20_000, invalidKinds: { 'not-json': 1, 'schema-violation': 1 } },
  { emulator: 'kinesis-mock', count: 800, invalidKinds: undefined },
] as const;

describe.each(runs)('kpipe local on $emulator, $count records', ({ emulator, count, invalidKinds }) => {
  let summary: LocalRunSummary;

  beforeAll(async () => {
    const pipeline = loadPipeline(resolve('pipeline.yml'));
    summary = await runLocalPipeline({
      pipeline,
      workDir: mkdtempSync(join(tmpdir(), 'kpipe-local-')),
      count,
      follow: false,
      invalidRatio: 0.1,
      invalidKinds,
      seed: 11,
      template: 'clickstream',
      producers: 4,
      kinesisEmulator: emulator,
      converter: localConverter(pipeline),
      env,
      onWarning: () => undefined,
    });
  }, 300_000);

  it('reconciles every generated record on every path', () => {
    expect(summary.emulator).toBe(emulator);
    expect(summary.generated.acknowledged).toBe(count);
    const failed = summary.reconciliation.checks.filter((check) => !check.ok);
    expect(failed).toEqual([]);
    expect(summary.reconciliation.ok).toBe(true);
    expect(summary.problems).toEqual([]);
    expect(formatSummary(summary)).toContain('every generated record is accounted for.');
  });

  it('resends nothing, so the stream holds no producer duplicate', () => {
    expect(summary.generated).toMatchObject({ resent: 0, resentUnconfirmed: 0 });
  });

  it('leaves a Parquet lake DuckDB reads with one row per delivered record', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const glob = summary.reconciliation.lakeGlob!;
    const rows = (
      await connection.runAndReadAll(
        `SELECT event_type, count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS ids FROM read_parquet('${glob}', hive_partitioning = true) GROUP BY ALL`,
      )
    ).getRowObjectsJson();
    const total = rows.reduce((sum, row) => sum + Number(row.n), 0);
    const distinct = rows.reduce((sum, row) => sum + Number(row.ids), 0);
    expect(total).toBe(summary.firehose!.delivered);
    expect(distinct).toBe(total);
    expect(rows.map((row) => row.event_type)).not.toContain('heartbeat');
    const repeated = (
      await connection.runAndReadAll(
        `SELECT event_id, count(*)::INTEGER AS n FROM read_parquet('${glob}', hive_partitioning = true) GROUP BY event_id HAVING count(*) > 1 LIMIT 5`,
      )
    ).getRowObjectsJson();
    expect(repeated).toEqual([]);
    connection.closeSync();
    instance.closeSync();
  });

  it('puts each bad record in the error outputs with its reason', () => {
    const notJson = summary.generated.byKind['not-json'].acknowledged;
    const schemaViolations = summary.generated.byKind['schema-violation'].acknowledged;
    expect(notJson).toBeGreaterThan(0);
    expect(schemaViolations).toBeGreaterThan(0);
    const consumerErrors = summary.reconciliation.errors.consumer!;
    expect(consumerErrors['invalid-json']).toBe(notJson);
    expect(consumerErrors['schema-violation']).toBe(schemaViolations);
    // Oversize records are rare and may be filtered first (heartbeats), so they only add to this count.
    expect(summary.reconciliation.errors.firehose!['Lambda.ProcessingFailedStatus']).toBeGreaterThanOrEqual(
      notJson + schemaViolations,
    );
  });
});
