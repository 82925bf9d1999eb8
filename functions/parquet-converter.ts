/**
 * parquetConverter: S3 ObjectCreated on `conversion.inputPrefix` → one Parquet object under outputPrefix
 * (same partition path, key derived from the input key so a retry overwrites) and the records that do not
 * convert as JSON lines under errorPrefix. Logs one summary per object, never record payloads. A transient
 * S3 failure throws (S3's asynchronous invoke retries); a bad object becomes an error record and returns.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { S3Event } from 'aws-lambda';
import {
  ConversionRetryError,
  createParquetConverter,
  type ConverterResult,
  type ObjectOutcome,
  type ObjectSummary,
} from '../lib/converter';
import { createLogger } from '../lib/observability/logger';
import { createMetrics, metricsMiddleware, recordInvocation } from '../lib/observability/metrics';
import { tracing } from '../lib/observability/tracing';
import { converterMetrics } from '../lib/observability/summary-metrics';
import { eventCheck } from './event-check';
import { handlerPipeline } from '../lib/pipeline/packaged';

const logger = createLogger('parquet-converter');
const metrics = createMetrics('parquet-converter');
// Cold start: a bad pipeline.yml (or a conversion that could trigger itself) fails here, naming the field.
// BUCKET_NAME is unset when the stack creates the bucket: the bucket then comes from the event.
const convert = createParquetConverter(handlerPipeline(), { bucket: process.env.BUCKET_NAME });

const LOG_LEVELS = {
  converted: 'info',
  skipped: 'warn',
  'object-failed': 'error',
  retry: 'error',
} as const satisfies Record<ObjectOutcome, 'info' | 'warn' | 'error'>;

function logObject(object: ObjectSummary): void {
  const level = object.outcome === 'converted' && object.errors > 0 ? 'warn' : LOG_LEVELS[object.outcome];
  logger[level](`object ${object.outcome}`, { object });
}

export const handler = middy(async (event: S3Event): Promise<ConverterResult> => {
  const started = Date.now();
  const report = (objects: ObjectSummary[]) => {
    objects.forEach(logObject);
    recordInvocation(metrics, converterMetrics(objects, Date.now() - started));
  };
  try {
    const result = await convert(event);
    if (result.objects.length === 0) logger.warn('event without records', { recordCount: 0 });
    report(result.objects);
    return result;
  } catch (error) {
    if (error instanceof ConversionRetryError) report(error.result.objects);
    throw error;
  }
})
  .use(tracing('parquet-converter'))
  .use(injectLambdaContext(logger))
  .use(metricsMiddleware(metrics))
  .use(eventCheck('parquetConverter', 's3'));
