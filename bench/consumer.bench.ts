/**
 * streamConsumer: a 10,000-record batch through the real handler (S3 mocked in memory) beside the bare
 * decode + parse loop. Target: at least 0.5 of the bare loop.
 */
import { resolve } from 'node:path';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { kinesisStreamEvent } from '../lib/events/factories';
import { clickEvent, purchaseEvent } from '../tests/fixtures/clickstream';
import { runBench } from './harness';

const BATCH = 10_000;

export default async function consumerBench(): Promise<void> {
  Object.assign(process.env, {
    PIPELINE_FILE: resolve(__dirname, '..', 'pipeline.yml'),
    BUCKET_NAME: 'bench-bucket',
    MASK_SALT: 'bench-salt',
    AWS_REGION: 'eu-west-1',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  // The mock replaces every S3Client of the process: restored at the end so later benchmarks get real ones.
  const s3 = mockClient(S3Client);
  s3.on(PutObjectCommand).resolves({});
  const { handler } = await import('../functions/stream-consumer');
  const invoke = handler as unknown as (event: KinesisStreamEvent, context: Context) => Promise<unknown>;
  const context = { functionName: 'bench', awsRequestId: 'bench' } as unknown as Context;

  const event = kinesisStreamEvent(
    Array.from({ length: BATCH }, (_, i) => ({
      data: JSON.stringify(i % 10 === 0 ? purchaseEvent(i) : clickEvent(i)),
      partitionKey: `customer-${i % 97}`,
    })),
  );
  const payloads = event.Records.map((record) => record.kinesis.data);

  await runBench({
    name: 'streamConsumer handler, 10,000-record batch, sample pipeline.yml (validate, 4 transforms incl. HMAC mask, partition, gzip to S3 mock)',
    unit: 'records',
    unitsPerCall: BATCH,
    subject: () => invoke(event, context),
    baselineName: 'Buffer.from(b64) + JSON.parse',
    baseline: () => {
      let fields = 0;
      for (const data of payloads)
        fields += Object.keys(JSON.parse(Buffer.from(data, 'base64').toString('utf8'))).length;
      return fields;
    },
  });

  // The same batch through a pipeline without transforms: decode, validate, partition, deliver.
  const { createStreamConsumer } = await import('../lib/consumer');
  const { parsePipeline } = await import('../lib/pipeline/load');
  const minimal = parsePipeline(
    `name: bench
stream: { name: bench }
record: { schema: schemas/clickstream.schema.json }
partitioning: { keys: [{ name: event_type, path: event_type }] }
consumer: { sinks: [{ type: s3, prefix: lake/ }] }
`,
    resolve(__dirname, '..', 'pipeline.yml'),
  );
  const consume = createStreamConsumer(minimal, { bucket: 'bench-bucket', env: {} });
  await runBench({
    name: 'stream consumer, same batch, no transforms (validate, partition, gzip to S3 mock)',
    unit: 'records',
    unitsPerCall: BATCH,
    subject: () => consume(event.Records),
    baselineName: 'Buffer.from(b64) + JSON.parse',
    baseline: () => {
      let fields = 0;
      for (const data of payloads)
        fields += Object.keys(JSON.parse(Buffer.from(data, 'base64').toString('utf8'))).length;
      return fields;
    },
  });
  s3.restore();
}
