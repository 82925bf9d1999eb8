/**
 * The alarms on the functions' own metrics (lib/deploy/alarms.ts) read exactly what the handlers emit: the
 * namespace each function is given in its environment, the `service` dimension its handler file names, and a
 * metric name the summary mappings produce (tests/unit/functions/metrics.test.ts captures those).
 */
import { resolve } from 'node:path';
import { deployTemplate } from '../../../lib/deploy/index';
import { resolveSettings } from '../../../lib/deploy/settings';
import { consumerMetrics, converterMetrics } from '../../../lib/observability/summary-metrics';
import { loadPipeline } from '../../../lib/pipeline/load';
import type { BatchSummary } from '../../../lib/consumer';

type Json = Record<string, unknown>;
const ROOT = resolve(__dirname, '../../..');
const pipeline = loadPipeline(resolve(ROOT, 'pipeline.yml'));

function template(settings: Json = {}) {
  return deployTemplate({
    pipeline,
    service: 'kinesis-pipeline',
    stage: 'prod',
    existingStreamArn: '',
    existingBucketName: '',
    existingDeliveryStreamName: '',
    settings: resolveSettings(settings),
  });
}

const props = (resources: Json, id: string) => (resources[id] as { Properties: Json }).Properties;

describe('alarms on the functions’ metrics', () => {
  const { functions, resources } = template({ recordsFailedAlarmThreshold: 25 });

  it.each(Object.keys(functions))(
    '%s: namespace from its environment, service from its handler file',
    (key) => {
      const fn = functions[key as keyof typeof functions] as { handler: string; environment: Json };
      const alarm = props(resources, `${key.charAt(0).toUpperCase()}${key.slice(1)}RecordsFailedAlarm`);

      expect(fn.environment.POWERTOOLS_METRICS_NAMESPACE).toBe('kinesis-pipeline/prod');
      expect(alarm.Namespace).toBe('kinesis-pipeline/prod');
      expect(alarm.Dimensions).toEqual([{ Name: 'service', Value: fn.handler.split('/')[1]!.split('.')[0] }]);
      expect(alarm).toMatchObject({
        Statistic: 'Sum',
        Threshold: 25,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    },
  );

  it('alarm on metric names the handlers emit', () => {
    const emitted = (figures: { counts: Json }) => Object.keys(figures.counts);
    const summary = { dropped: {}, failed: {} } as unknown as BatchSummary;
    expect(emitted(consumerMetrics(summary, 0))).toEqual(
      expect.arrayContaining([
        props(resources, 'StreamConsumerRecordsFailedAlarm').MetricName,
        props(resources, 'StreamConsumerSinkFailuresAlarm').MetricName,
      ]),
    );
    expect(emitted(converterMetrics([], 0))).toContain(
      props(resources, 'ParquetConverterRecordsFailedAlarm').MetricName,
    );
    expect(props(resources, 'ParquetConverterRecordsFailedAlarm').MetricName).toBe('ConversionErrors');
  });

  it('takes its threshold from the stage, and a bad value fails naming the param', () => {
    expect(props(template().resources, 'FirehoseTransformerRecordsFailedAlarm').Threshold).toBe(0);
    expect(() => template({ recordsFailedAlarmThreshold: -1 })).toThrow(/param recordsFailedAlarmThreshold/);
  });
});

describe('consumer metrics mapping', () => {
  it('reports sink refusals apart and sums the failures over their reasons', () => {
    const summary = {
      records: 9,
      userRecords: 9,
      objects: 9,
      delivered: 4,
      dropped: { 'no-heartbeats': 2 },
      failed: { 'invalid-json': 1, 'refused-by-sink': 2 },
      written: 3,
      sinkRetries: 5,
      durationMs: 12,
    } as unknown as BatchSummary;

    const { counts, breakdowns } = consumerMetrics(summary, 1);

    expect(counts).toMatchObject({
      RecordsFailed: 3,
      SinkRefused: 2,
      SinkRetries: 5,
      ObjectsWritten: 3,
      ObjectsDropped: 2,
      BatchItemFailures: 1,
    });
    expect(breakdowns).toContainEqual({
      metric: 'RecordsFailed',
      dimension: 'reason',
      values: summary.failed,
    });
  });
});
