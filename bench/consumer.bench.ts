/**
 * streamConsumer: a 10,000-record batch through the handler as deployed (the esbuild bundle, S3 mocked in
 * memory) beside the bare decode + parse loop. Target: at least 0.5 of the bare loop for the consumer's own
 * machinery. Measured with the sample pipeline.yml and with a pipeline without transforms, gzip'd and not.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { kinesisStreamEvent } from '../lib/events/factories';
import { clickEvent, purchaseEvent } from '../tests/fixtures/clickstream';
import { BENCH_BUILD_DIR, loadBundledHandler } from './bundle';
import { handWrittenConsumer } from './hand-written';
import { runBench } from './harness';

const BATCH = 10_000;
const ROOT = resolve(__dirname, '..');

type Handler = (event: KinesisStreamEvent, context: Context) => Promise<unknown>;

/** A pipeline that validates, partitions and delivers, nothing else. */
function pipelineWithoutTransforms(compression: 'gzip' | 'none'): string {
  mkdirSync(BENCH_BUILD_DIR, { recursive: true });
  const file = join(BENCH_BUILD_DIR, `consumer-${compression}.pipeline.yml`);
  const schema = relative(BENCH_BUILD_DIR, join(ROOT, 'schemas', 'clickstream.schema.json'));
  writeFileSync(
    file,
    `name: bench
stream: { name: bench }
record: { schema: ${schema} }
partitioning: { keys: [{ name: event_type, path: event_type }] }
consumer: { sinks: [{ type: s3, prefix: lake/, compression: ${compression} }] }
`,
  );
  return file;
}

/** The handler bundle, loaded afresh with PIPELINE_FILE set: it reads its pipeline at cold start. */
async function handlerFor(pipelineFile: string): Promise<Handler> {
  process.env.PIPELINE_FILE = pipelineFile;
  const { handler } = await loadBundledHandler<{ handler: Handler }>('functions/stream-consumer.ts');
  return handler;
}

export default async function consumerBench(): Promise<void> {
  Object.assign(process.env, {
    BUCKET_NAME: 'bench-bucket',
    MASK_SALT: 'bench-salt',
    AWS_REGION: 'eu-west-1',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    // One EMF line per batch is all the metrics write; off here so they do not interleave with the figures.
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  // Every S3Client of the process (the bundle's too: the SDK is outside it) accepts each PutObject and keeps
  // nothing. aws-sdk-client-mock would record every call's input, keeping megabytes of object bodies alive
  // per batch: garbage collections a real client does not cause. Restored at the end for later benchmarks.
  const realSend = S3Client.prototype.send;
  let puts = 0;
  S3Client.prototype.send = (async () => {
    puts += 1;
    return {};
  }) as unknown as typeof realSend;
  const context = { functionName: 'bench', awsRequestId: 'bench' } as unknown as Context;

  const event = kinesisStreamEvent(
    Array.from({ length: BATCH }, (_, i) => ({
      data: JSON.stringify(i % 10 === 0 ? purchaseEvent(i) : clickEvent(i)),
      partitionKey: `customer-${i % 97}`,
    })),
  );
  const payloads = event.Records.map((record) => record.kinesis.data);
  const bareLoop = () => {
    let fields = 0;
    for (const data of payloads)
      fields += Object.keys(JSON.parse(Buffer.from(data, 'base64').toString('utf8'))).length;
    return fields;
  };

  // The honest baseline for the sample pipeline: the same work written by hand (bench/hand-written.ts).
  const byHand = handWrittenConsumer(new S3Client({ region: 'eu-west-1' }), 'bench-bucket', 'bench-salt');
  const handWritten = async () => {
    const { written, failed } = await byHand(event.Records);
    if (written === 0 || failed > 0)
      throw new Error(`hand-written consumer: ${written} objects, ${failed} failed`);
  };

  const cases: [string, string][] = [
    [
      'no transforms, uncompressed (validate, partition, S3 mock): the machinery',
      pipelineWithoutTransforms('none'),
    ],
    ['no transforms, gzip (level 6, beside the main thread)', pipelineWithoutTransforms('gzip')],
    [
      'sample pipeline.yml (validate, 4 transforms incl. HMAC mask, partition, gzip)',
      resolve(ROOT, 'pipeline.yml'),
    ],
  ];
  try {
    for (const [name, pipelineFile] of cases) {
      const handler = await handlerFor(pipelineFile);
      // Measure only a handler that does the work: every record delivered, objects written.
      puts = 0;
      const response = (await handler(event, context)) as { batchItemFailures: unknown[] };
      if (response.batchItemFailures.length > 0 || puts === 0) {
        throw new Error(
          `consumer bench: ${name}: the handler did not deliver the batch (${puts} objects written)`,
        );
      }
      await runBench({
        name: `streamConsumer handler, 10,000-record batch, ${name}`,
        unit: 'records',
        unitsPerCall: BATCH,
        subject: () => handler(event, context),
        baselineName: 'Buffer.from(b64) + JSON.parse',
        baseline: bareLoop,
        // A round is one batch (under 0.1 s): more of them steady the median on a noisy machine.
        rounds: 15,
      });
      if (pipelineFile === resolve(ROOT, 'pipeline.yml')) {
        await runBench({
          name: `streamConsumer handler, 10,000-record batch, ${name}, vs the same work by hand`,
          unit: 'records',
          unitsPerCall: BATCH,
          subject: () => handler(event, context),
          baselineName: 'hand-written: parse, Ajv, 4 transforms, keys, gzip, S3 put (target ≥ 0.8)',
          baseline: handWritten,
          rounds: 15,
        });
      }
    }
  } finally {
    delete process.env.PIPELINE_FILE;
    S3Client.prototype.send = realSend;
  }
}
