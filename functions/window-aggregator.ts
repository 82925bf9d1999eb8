/**
 * windowAggregator: continuous SQL over Kinesis tumbling windows (pipeline.yml `analytics:`). Folds each
 * batch into the window state, emits the window's rows to the sink on the final invoke, and always returns
 * `state`. A failed final emission throws, so Lambda retries it with the state it holds.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { KinesisStreamStateResponse } from 'aws-lambda';
import { saltVariables, withSecrets } from '../lib/aws/secret-env';
import { createWindowAggregator, WindowEmitError, type WindowEvent } from '../lib/analytics';
import { createLogger } from '../lib/observability/logger';
import { createMetrics, metricsMiddleware, recordInvocation } from '../lib/observability/metrics';
import { tracing } from '../lib/observability/tracing';
import { windowMetrics } from '../lib/observability/summary-metrics';
import { eventCheck } from './event-check';
import { handlerPipeline } from '../lib/pipeline/packaged';

const logger = createLogger('window-aggregator');
const metrics = createMetrics('window-aggregator');
// Cold start: a bad pipeline.yml or an unsupported query fails here, with a message naming the clause.
const pipeline = handlerPipeline();
// Packaged, the query comes planned (no SQL parser in the bundle); from the sources it is planned here.
const aggregator = withSecrets(saltVariables('windowAggregator', pipeline.config), (env) =>
  createWindowAggregator(pipeline, { bucket: process.env.BUCKET_NAME, plan: pipeline.queryPlan, env }),
);

export const handler = middy(async (event: WindowEvent): Promise<KinesisStreamStateResponse> => {
  const aggregate = await aggregator();
  try {
    const { state, summary } = await aggregate(event);
    recordInvocation(metrics, windowMetrics(summary));
    if (summary.discardedState) logger.error('window state discarded', { summary });
    const problems = summary.deliveryError !== undefined || Object.keys(summary.stats.failed).length > 0;
    logger[problems ? 'warn' : 'info'](summary.emitted ? 'window emitted' : 'window batch folded', {
      summary,
    });
    return { state };
  } catch (error) {
    if (error instanceof WindowEmitError) {
      logger.error('window not emitted; Lambda retries', { summary: error.summary, error });
      recordInvocation(metrics, windowMetrics(error.summary));
    }
    throw error;
  }
})
  .use(tracing('window-aggregator'))
  .use(injectLambdaContext(logger))
  .use(metricsMiddleware(metrics))
  .use(eventCheck('windowAggregator', 'kinesisWindow'));
