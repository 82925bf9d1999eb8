/**
 * firehoseTransformer: Firehose data transformation. Decodes, validates and transforms each record with
 * pipeline.yml's rules, adds `metadata.partitionKeys` for dynamic partitioning, keeps the response under
 * 6,000,000 bytes (re-ingesting the rest) and never throws for record content.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { saltVariables, withSecrets } from '../lib/aws/secret-env';
import { createFirehoseProcessor } from '../lib/firehose';
import { createLogger } from '../lib/observability/logger';
import { createMetrics, metricsMiddleware, recordInvocation } from '../lib/observability/metrics';
import { tracing } from '../lib/observability/tracing';
import { firehoseMetrics } from '../lib/observability/summary-metrics';
import { eventCheck } from './event-check';
import { handlerPipeline } from '../lib/pipeline/packaged';

const logger = createLogger('firehose-transformer');
const metrics = createMetrics('firehose-transformer');
// Cold start: a bad pipeline.yml fails here, with a message naming the field (once the mask salt is read, when
// it comes from SSM or Secrets Manager: lib/aws/secret-env.ts).
const pipeline = handlerPipeline();
const transformer = withSecrets(saltVariables('firehoseTransformer', pipeline.config), (env) =>
  createFirehoseProcessor(pipeline, { mode: 'transform', env }),
);

export const handler = middy(
  async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => {
    const transform = await transformer();
    const { response, summary } = await transform(event);
    logger[summary.processingFailed > 0 ? 'warn' : 'info']('batch processed', { summary });
    recordInvocation(metrics, firehoseMetrics(summary));
    return response;
  },
)
  .use(tracing('firehose-transformer'))
  .use(injectLambdaContext(logger))
  .use(metricsMiddleware(metrics))
  .use(eventCheck('firehoseTransformer', 'firehose'));
