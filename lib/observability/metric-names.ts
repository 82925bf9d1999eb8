/**
 * What the functions' metrics are called and where they land: the handlers emit under these names and the
 * alarms (lib/deploy/alarms.ts) read them, so both take them from here. No Powertools import: the deploy
 * code reads this at `sls package` time.
 */

/** One CloudWatch namespace per deploy stage: `<service>/<stage>` (serverless.yml service and stage). */
export function metricsNamespace(service: string, stage: string): string {
  return `${service}/${stage}`;
}

/** The `service` dimension of a function's metrics: its handler file's name (`functions/stream-consumer.handler` → `stream-consumer`). */
export function metricsServiceOf(handler: string): string {
  const file = handler.slice(handler.lastIndexOf('/') + 1);
  return file.slice(0, file.indexOf('.') === -1 ? undefined : file.indexOf('.'));
}

/** Metric names shared by several functions, and those alarms read. */
export const METRIC_NAMES = {
  recordsIn: 'RecordsIn',
  recordsDelivered: 'RecordsDelivered',
  recordsFailed: 'RecordsFailed',
  objectsDropped: 'ObjectsDropped',
  sinkRetries: 'SinkRetries',
  sinkRefused: 'SinkRefused',
  objectsWritten: 'ObjectsWritten',
  batchItemFailures: 'BatchItemFailures',
  reingestedRecords: 'ReingestedRecords',
  reingestFailedParts: 'ReingestFailedParts',
  parquetRows: 'ParquetRows',
  conversionErrors: 'ConversionErrors',
  objectsFailed: 'ObjectsFailed',
  windowGroups: 'WindowGroups',
  windowStateBytes: 'WindowStateBytes',
  /** An invocation that threw (a wrong event, the salt not readable, a failed emission or S3 retry...). */
  invocationErrors: 'InvocationErrors',
} as const;
