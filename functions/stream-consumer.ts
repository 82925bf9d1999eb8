/**
 * streamConsumer: Kinesis Data Streams → (decode, de-aggregate, validate, transform) → sinks.
 * Returns `batchItemFailures` (ReportBatchItemFailures) and never throws for record content.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { KinesisStreamEvent, KinesisStreamBatchResponse } from 'aws-lambda';
import { saltVariables, withSecrets } from '../lib/aws/secret-env';
import { createStreamConsumer } from '../lib/consumer';
import { createLogger } from '../lib/observability/logger';
import { createMetrics, metricsMiddleware, recordInvocation } from '../lib/observability/metrics';
import { tracing } from '../lib/observability/tracing';
import { consumerMetrics } from '../lib/observability/summary-metrics';
import { eventCheck } from './event-check';
import { handlerPipeline } from '../lib/pipeline/packaged';

const logger = createLogger('stream-consumer');
const metrics = createMetrics('stream-consumer');
// Cold start: a bad pipeline.yml or a missing setting fails here, with a message naming the field (once the
// mask salt is read, when it comes from SSM or Secrets Manager: lib/aws/secret-env.ts).
const pipeline = handlerPipeline();
const consumer = withSecrets(saltVariables('streamConsumer', pipeline.config), (env) =>
  createStreamConsumer(pipeline, { bucket: process.env.BUCKET_NAME, env }),
);

export const handler = middy(async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
  const consume = await consumer();
  const { batchItemFailures, summary } = await consume(event.Records);
  const level = batchItemFailures.length > 0 || Object.keys(summary.failed).length > 0 ? 'warn' : 'info';
  logger[level]('batch processed', { summary, batchItemFailures });
  recordInvocation(metrics, consumerMetrics(summary, batchItemFailures.length));
  return { batchItemFailures };
})
  .use(tracing('stream-consumer'))
  .use(injectLambdaContext(logger))
  .use(metricsMiddleware(metrics))
  .use(eventCheck('streamConsumer', 'kinesis'));
