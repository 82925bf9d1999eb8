/**
 * `kpipe local` on each Kinesis emulator, in one run: the emulator's bare PutRecords ceiling (the same
 * records, the same producers, a fresh emulator, nobody reading), the stream-ingest rate while every stage
 * reads it (records acknowledged / generation time), and end to end (generation → consumer, Firehose,
 * windows → Parquet, reconciled). The aim is for the emulator to be the bottleneck, not the project.
 * (What an open console costs a run is `npm run bench console`, against the real console server.)
 * And the producer thread's gain: interleaved runs with the producers in a worker thread and on the main
 * thread, compared by median.
 *
 * Environment: BENCH_LOCAL_EMULATORS (comma-separated, default every emulator), BENCH_LOCAL_COUNT and
 * BENCH_LOCAL_MOCK_COUNT (records per run), BENCH_LOCAL_PRODUCERS, BENCH_THREAD_PAIRS (thread on/off pairs,
 * default 2, 0 skips).
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../lib/aws/clients';
import { compileTemplate, loadTemplateSpec } from '../lib/generator';
import { localConverter } from '../lib/local/converter';
import {
  createStreamAndWait,
  KINESIS_EMULATORS,
  localOverrides,
  startKinesisEmulator,
  type KinesisEmulatorName,
} from '../lib/local/emulators';
import { runLocalPipeline } from '../lib/local/runtime';
import { loadPipeline } from '../lib/pipeline/load';
import { formatResult, median } from './harness';

/** kinesis-mock takes a few hundred records/s: a larger count there would only make the run long. */
const COUNTS: Record<KinesisEmulatorName, number> = {
  kinesalite: Number(process.env.BENCH_LOCAL_COUNT ?? 20_000),
  'kinesis-mock': Number(process.env.BENCH_LOCAL_MOCK_COUNT ?? 3_000),
};
const PRODUCERS = Number(process.env.BENCH_LOCAL_PRODUCERS ?? 4);
/** Runs with the producers in a worker thread and on the main thread, alternated. */
const THREAD_PAIRS = Number(process.env.BENCH_THREAD_PAIRS ?? 2);

/** The emulators BENCH_LOCAL_EMULATORS names (all by default); an unknown name stops the bench. */
export function benchEmulators(text = process.env.BENCH_LOCAL_EMULATORS): KinesisEmulatorName[] {
  if (text === undefined || text.trim() === '') return [...KINESIS_EMULATORS];
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(KINESIS_EMULATORS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_LOCAL_EMULATORS: unknown emulator ${unknown.join(', ')}; use a comma-separated list of ${KINESIS_EMULATORS.join(', ')}`,
    );
  }
  return names as KinesisEmulatorName[];
}

async function ceiling(name: KinesisEmulatorName, records: Buffer[], shards: number): Promise<number> {
  const emulator = await startKinesisEmulator(name);
  try {
    const client = createKinesisClient({ env: {}, overrides: localOverrides(emulator.endpoint) });
    await createStreamAndWait(client, 'ceiling', shards);
    const chunks: Buffer[][] = [];
    for (let start = 0; start < records.length; start += 500) chunks.push(records.slice(start, start + 500));
    const started = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: PRODUCERS }, async () => {
        while (next < chunks.length) {
          const chunk = chunks[next++]!;
          await client.send(
            new PutRecordsCommand({
              StreamName: 'ceiling',
              Records: chunk.map((Data, i) => ({ Data, PartitionKey: `key-${i}` })),
            }),
          );
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    client.destroy();
    return records.length / seconds;
  } finally {
    await emulator.stop();
  }
}

export default async function localBench(): Promise<void> {
  const pipeline = loadPipeline(resolve(__dirname, '..', 'pipeline.yml'));
  const env = { ...process.env, MASK_SALT: 'bench-salt', POWERTOOLS_LOG_LEVEL: 'ERROR' };
  const spec = loadTemplateSpec('clickstream');
  console.log(
    `load average at start: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  for (const name of benchEmulators()) {
    const count = COUNTS[name];
    const template = compileTemplate(spec.text, { seed: 3, newlines: spec.newlines });
    const records = Array.from({ length: count }, () => Buffer.from(template.render()));
    const bare = await ceiling(name, records, pipeline.config.stream.shards);
    const run = (producerThread = true) =>
      runLocalPipeline({
        pipeline,
        producerThread,
        workDir: mkdtempSync(join(tmpdir(), 'kpipe-bench-')),
        count,
        follow: false,
        invalidRatio: 0.05,
        // Megabyte records cost an emulator seconds each and would measure only that; the ceiling has none.
        invalidKinds: { 'not-json': 1, 'schema-violation': 1 },
        seed: 3,
        template: 'clickstream',
        producers: PRODUCERS,
        kinesisEmulator: name,
        converter: localConverter(pipeline),
        env,
      });
    const summary = await run();
    if (!summary.reconciliation.ok) throw new Error(`the benchmark run on ${name} did not reconcile`);
    const { times } = summary;
    const ingest = summary.generated.acknowledged / (times.generateMs / 1000);
    const endToEnd = count / ((times.generateMs + times.drainMs) / 1000);
    const baselineName = `${name} bare PutRecords, ${PRODUCERS} producers, ${pipeline.config.stream.shards} shards`;
    const result = (label: string, perSecond: number) =>
      formatResult(
        {
          name: label,
          unit: 'records',
          subjectPerSecond: perSecond,
          baselinePerSecond: bare,
          ratio: perSecond / bare,
        },
        baselineName,
      );
    console.log(result(`${name}: stream ingest while every stage reads, ${count} records`, ingest));
    console.log(result(`${name}: kpipe local end to end, generated → Parquet, reconciled`, endToEnd));
    console.log(
      `  stages: emulators up ${times.startMs} ms, generate (stream + consumer + Firehose + windows running) ` +
        `${times.generateMs} ms, drain (flush Firehose buffers, convert to Parquet) ${times.drainMs} ms, ` +
        `mirror bucket to disk ${times.mirrorMs} ms; lake rows ${summary.reconciliation.lakeRows}; ` +
        `resent ${summary.generated.resent} (${summary.generated.resentUnconfirmed} possibly duplicated); ` +
        `load average ${loadavg()[0]!.toFixed(2)}`,
    );
    // The machine's load moves from run to run: alternate the runs and compare medians.
    const throughput = (done: typeof summary) =>
      count / ((done.times.generateMs + done.times.drainMs) / 1000);
    const ingestOf = (done: typeof summary) => done.generated.acknowledged / (done.times.generateMs / 1000);
    if (THREAD_PAIRS > 0) {
      const runs = {
        on: { ingest: [] as number[], end: [] as number[] },
        off: { ingest: [] as number[], end: [] as number[] },
      };
      for (let pair = 0; pair < THREAD_PAIRS; pair += 1) {
        for (const mode of pair % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
          const done = await run(mode === 'on');
          if (!done.reconciliation.ok)
            throw new Error(`the benchmark run on ${name}, thread ${mode}, did not reconcile`);
          runs[mode].ingest.push(ingestOf(done));
          runs[mode].end.push(throughput(done));
        }
      }
      for (const [what, key] of [
        ['stream ingest', 'ingest'],
        ['end to end', 'end'],
      ] as const) {
        const subject = median(runs.on[key]);
        const baseline = median(runs.off[key]);
        console.log(
          formatResult(
            {
              name: `${name}: ${what} with the producers in a worker thread, median of ${THREAD_PAIRS}`,
              unit: 'records',
              subjectPerSecond: subject,
              baselinePerSecond: baseline,
              ratio: subject / baseline,
            },
            `the producers on the main thread, median of ${THREAD_PAIRS}`,
          ),
        );
      }
      console.log(
        `  load average after the thread pairs: ${loadavg()
          .map((n) => n.toFixed(2))
          .join(' ')}`,
      );
    }
  }
}
