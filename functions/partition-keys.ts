/**
 * partitionKeys: the dynamic-partitioning key extractor alone. Data passes through untouched; each record
 * gets `metadata.partitionKeys` from pipeline.yml's `partitioning` rules. For delivery streams that already
 * have their own transformation, or none.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { createFirehoseProcessor } from '../lib/firehose';
import { createLogger } from '../lib/observability/logger';
import { createMetrics, metricsMiddleware, recordInvocation } from '../lib/observability/metrics';
import { tracing } from '../lib/observability/tracing';
import { firehoseMetrics } from '../lib/observability/summary-metrics';
import { eventCheck } from './event-check';
import { handlerPipeline } from '../lib/pipeline/packaged';

const logger = createLogger('partition-keys');
const metrics = createMetrics('partition-keys');
// Cold start: a bad pipeline.yml, or one without lambda-engine partitioning, fails here.
const addKeys = createFirehoseProcessor(handlerPipeline(), { mode: 'keys' });

export const handler = middy(
  async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => {
    const { response, summary } = await addKeys(event);
    logger[summary.processingFailed > 0 ? 'warn' : 'info']('batch processed', { summary });
    recordInvocation(metrics, firehoseMetrics(summary));
    return response;
  },
)
  .use(tracing('partition-keys'))
  .use(injectLambdaContext(logger))
  .use(metricsMiddleware(metrics))
  .use(eventCheck('partitionKeys', 'firehose'));
