/**
 * `kpipe local` end to end: records per second from generation to Parquet (emulator start-up excluded),
 * with where the time goes, beside the emulator's own ceiling: bare PutRecords of the same records into a
 * fresh kinesis-local by the same number of producers. The aim is for the emulator to be the bottleneck.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../lib/aws/clients';
import { compileTemplate, loadTemplateSpec } from '../lib/generator';
import { localConverter } from '../lib/local/converter';
import { createStreamAndWait, localOverrides, startKinesisLocal } from '../lib/local/emulators';
import { runLocalPipeline } from '../lib/local/runtime';
import { loadPipeline } from '../lib/pipeline/load';
import { formatResult } from './harness';

const COUNT = 4000;
const PRODUCERS = 2;

async function bareProducers(records: Buffer[]): Promise<number> {
  const emulator = await startKinesisLocal();
  try {
    const client = createKinesisClient({ env: {}, overrides: localOverrides(emulator.endpoint) });
    await createStreamAndWait(client, 'ceiling', 2);
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
    return records.length / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await emulator.stop();
  }
}

export default async function localBench(): Promise<void> {
  const pipeline = loadPipeline(resolve(__dirname, '..', 'pipeline.yml'));
  const env = { ...process.env, MASK_SALT: 'bench-salt', POWERTOOLS_LOG_LEVEL: 'ERROR' };
  const summary = await runLocalPipeline({
    pipeline,
    workDir: mkdtempSync(join(tmpdir(), 'kpipe-bench-')),
    count: COUNT,
    follow: false,
    invalidRatio: 0.05,
    // Megabyte records cost the emulator seconds each and would measure only that; the ceiling has none.
    invalidKinds: { 'not-json': 1, 'schema-violation': 1 },
    seed: 3,
    template: 'clickstream',
    producers: PRODUCERS,
    converter: localConverter(pipeline),
    env,
  });
  const { times } = summary;
  const endToEndSeconds = (times.generateMs + times.drainMs) / 1000;
  if (!summary.reconciliation.ok) throw new Error('the benchmark run did not reconcile');

  const spec = loadTemplateSpec('clickstream');
  const template = compileTemplate(spec.text, { seed: 3, newlines: spec.newlines });
  const ceiling = await bareProducers(Array.from({ length: COUNT }, () => Buffer.from(template.render())));

  console.log(
    formatResult(
      {
        name: `kpipe local end to end, ${COUNT} records generated → Parquet (${PRODUCERS} producers)`,
        unit: 'records',
        subjectPerSecond: COUNT / endToEndSeconds,
        baselinePerSecond: ceiling,
        ratio: COUNT / endToEndSeconds / ceiling,
      },
      `kinesis-local PutRecords ceiling, ${PRODUCERS} bare producers`,
    ),
  );
  console.log(
    `  stages: emulators up ${times.startMs} ms, generate (stream + consumer + Firehose + windows running) ` +
      `${times.generateMs} ms, drain (flush Firehose buffers, convert to Parquet) ${times.drainMs} ms, ` +
      `mirror bucket to disk ${times.mirrorMs} ms; lake rows ${summary.reconciliation.lakeRows}`,
  );
}
