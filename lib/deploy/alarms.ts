/**
 * CloudWatch alarms over whatever the template deploys: every function's errors, the stream readers'
 * iterator age, each on-failure (dead-letter) queue's depth, and the delivery stream's freshness, delivery
 * and processing failures and partition overflow. Thresholds are stage settings (serverless.yml `params:`).
 */
import { usesDynamicPartitioning } from '../firehose/config';
import { METRIC_NAMES, metricsNamespace, metricsServiceOf } from '../observability/metric-names';
import { functionIdPrefix, functionLogicalId, ifCreated, type DeployContext, type Intrinsic } from './common';
import { DELIVERY_METRICS, destinationOf } from './destinations';
import { FIREHOSE_LOGICAL_IDS } from './firehose';
import { DEFAULT_SETTINGS, type StageSettings } from './settings';

/** The part of a serverless function entry the alarms read. */
type OnFailure = { destinations?: { onFailure?: { arn?: unknown } } };
export interface AlarmedFunction extends OnFailure {
  handler?: string;
  events?: { stream?: OnFailure }[];
}

interface AlarmSpec {
  description: string;
  namespace: string;
  metric: string;
  dimensions: Record<string, Intrinsic>;
  statistic: 'Maximum' | 'Minimum' | 'Sum';
  period: number;
  evaluationPeriods: number;
  threshold: number;
  comparison: 'GreaterThanThreshold' | 'LessThanThreshold';
}

function alarm(spec: AlarmSpec, settings: StageSettings): Record<string, unknown> {
  const actions = settings.alarmTopicArn ? [settings.alarmTopicArn] : undefined;
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: spec.description,
      Namespace: spec.namespace,
      MetricName: spec.metric,
      Dimensions: Object.entries(spec.dimensions).map(([Name, Value]) => ({ Name, Value })),
      Statistic: spec.statistic,
      Period: spec.period,
      EvaluationPeriods: spec.evaluationPeriods,
      Threshold: spec.threshold,
      ComparisonOperator: spec.comparison,
      // No traffic is not a failure: an idle pipeline stays green.
      TreatMissingData: 'notBreaching',
      ...(actions && { AlarmActions: actions, OKActions: actions }),
    },
  };
}

/**
 * The queue logical id (`{ 'Fn::GetAtt': [queue, 'Arn'] }`) of the on-failure destination of a stream event
 * or of asynchronous invocations.
 */
function onFailureQueue(fn: AlarmedFunction): string | undefined {
  for (const holder of [...(fn.events ?? []).map((event) => event.stream), fn]) {
    const arn = holder?.destinations?.onFailure?.arn as { 'Fn::GetAtt'?: [string, string] } | undefined;
    if (arn?.['Fn::GetAtt']) return arn['Fn::GetAtt'][0];
  }
  return undefined;
}

function functionAlarms(
  functions: Readonly<Record<string, AlarmedFunction>>,
  settings: StageSettings,
): Record<string, unknown> {
  const alarms: Record<string, unknown> = {};
  for (const [key, fn] of Object.entries(functions)) {
    const id = functionIdPrefix(key);
    const dimensions = { FunctionName: { Ref: functionLogicalId(key) } };
    alarms[`${id}ErrorsAlarm`] = alarm(
      {
        description: `${key}: more than ${settings.functionErrorsAlarmThreshold} failed invocations in 5 minutes`,
        namespace: 'AWS/Lambda',
        metric: 'Errors',
        dimensions,
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: settings.functionErrorsAlarmThreshold,
        comparison: 'GreaterThanThreshold',
      },
      settings,
    );
    if (fn.events?.some((event) => event.stream)) {
      alarms[`${id}IteratorAgeAlarm`] = alarm(
        {
          description: `${key} is falling behind its stream (IteratorAge over ${settings.iteratorAgeAlarmSeconds} s for 5 minutes)`,
          namespace: 'AWS/Lambda',
          metric: 'IteratorAge',
          dimensions,
          statistic: 'Maximum',
          period: 60,
          evaluationPeriods: 5,
          threshold: settings.iteratorAgeAlarmSeconds * 1000,
          comparison: 'GreaterThanThreshold',
        },
        settings,
      );
    }
    const queue = onFailureQueue(fn);
    if (queue) {
      alarms[`${queue}DepthAlarm`] = alarm(
        {
          description: `${key}: more than ${settings.failureQueueAlarmThreshold} batches or events exhausted their retries (see its on-failure queue)`,
          namespace: 'AWS/SQS',
          metric: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: { 'Fn::GetAtt': [queue, 'QueueName'] } },
          statistic: 'Maximum',
          period: 300,
          evaluationPeriods: 1,
          threshold: settings.failureQueueAlarmThreshold,
          comparison: 'GreaterThanThreshold',
        },
        settings,
      );
    }
  }
  return alarms;
}

/**
 * Alarms on the functions' own metrics (lib/observability), where the service metrics see nothing: a bad
 * record goes to the error output and the invocation succeeds, so Lambda's Errors stays at 0; a sink that
 * keeps failing shows in IteratorAge only once the stream is far behind.
 */
function recordAlarms(
  context: DeployContext,
  functions: Readonly<Record<string, AlarmedFunction>>,
  settings: StageSettings,
): Record<string, unknown> {
  const alarms: Record<string, unknown> = {};
  const namespace = metricsNamespace(context.service, context.stage);
  for (const [key, fn] of Object.entries(functions)) {
    if (fn.handler === undefined) continue;
    const id = functionIdPrefix(key);
    const dimensions = { service: metricsServiceOf(fn.handler) };
    const converter = key === 'parquetConverter';
    alarms[`${id}RecordsFailedAlarm`] = alarm(
      {
        description: `${key}: more than ${settings.recordsFailedAlarmThreshold} ${converter ? 'records did not convert to Parquet' : 'records failed'} in 5 minutes (each is in the error output with its reason; the ${converter ? 'code' : 'reason'} dimension of ${converter ? METRIC_NAMES.conversionErrors : METRIC_NAMES.recordsFailed} breaks them down)`,
        namespace,
        metric: converter ? METRIC_NAMES.conversionErrors : METRIC_NAMES.recordsFailed,
        dimensions,
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: settings.recordsFailedAlarmThreshold,
        comparison: 'GreaterThanThreshold',
      },
      settings,
    );
    if (key === 'streamConsumer') {
      alarms[`${id}SinkFailuresAlarm`] = alarm(
        {
          description: `${key}: a sink kept failing for 15 minutes (batches handed back to Lambda for re-delivery; see sinkErrors in the function's log)`,
          namespace,
          metric: METRIC_NAMES.batchItemFailures,
          dimensions,
          statistic: 'Sum',
          period: 300,
          evaluationPeriods: 3,
          threshold: 0,
          comparison: 'GreaterThanThreshold',
        },
        settings,
      );
    }
  }
  return alarms;
}

function deliveryAlarms(context: DeployContext, settings: StageSettings): Record<string, unknown> {
  const delivery = context.pipeline.config.delivery;
  if (!delivery) return {};
  const dimensions = {
    DeliveryStreamName: ifCreated('deliveryStream', { Ref: FIREHOSE_LOGICAL_IDS.deliveryStream }),
  };
  const destination = destinationOf(delivery).type;
  const metrics = DELIVERY_METRICS[destination];
  const failing = (metric: string, description: string): AlarmSpec => ({
    description,
    namespace: 'AWS/Firehose',
    metric,
    dimensions,
    // Success is the fraction of successful requests: below 1 at any point means some failed.
    statistic: 'Minimum',
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparison: 'LessThanThreshold',
  });
  const freshness = Math.max(settings.deliveryFreshnessAlarmSeconds, 3 * delivery.buffering.intervalSeconds);
  const alarms: Record<string, unknown> = {
    [`${FIREHOSE_LOGICAL_IDS.deliveryStream}DataFreshnessAlarm`]: alarm(
      {
        description: `${delivery.name} is not delivering to ${destination} (oldest record older than ${freshness} s)`,
        namespace: 'AWS/Firehose',
        metric: metrics.freshness,
        dimensions,
        statistic: 'Maximum',
        period: 300,
        evaluationPeriods: 1,
        threshold: freshness,
        comparison: 'GreaterThanThreshold',
      },
      settings,
    ),
    [`${FIREHOSE_LOGICAL_IDS.deliveryStream}DeliveryFailuresAlarm`]: alarm(
      failing(
        metrics.success,
        `${delivery.name}: deliveries to ${destination} failed (see the error prefix)`,
      ),
      settings,
    ),
  };
  if (delivery.processor.function !== 'none') {
    alarms[`${FIREHOSE_LOGICAL_IDS.deliveryStream}ProcessingFailuresAlarm`] = alarm(
      failing(
        'ExecuteProcessing.Success',
        `${delivery.name}: the Lambda processor failed (records retried or sent to the error prefix)`,
      ),
      settings,
    );
  }
  if (usesDynamicPartitioning(delivery)) {
    alarms[`${FIREHOSE_LOGICAL_IDS.deliveryStream}PartitionCountExceededAlarm`] = alarm(
      {
        description: `${delivery.name}: more active partitions than the stream's quota; records go to the error prefix`,
        namespace: 'AWS/Firehose',
        metric: 'PartitionCountExceeded',
        dimensions,
        statistic: 'Maximum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparison: 'GreaterThanThreshold',
      },
      settings,
    );
  }
  return alarms;
}

/** Every alarm of the template, given the functions it deploys. */
export function alarmResources(
  context: DeployContext,
  functions: Readonly<Record<string, AlarmedFunction>>,
): Record<string, unknown> {
  const settings = context.settings ?? DEFAULT_SETTINGS;
  return {
    ...functionAlarms(functions, settings),
    ...recordAlarms(context, functions, settings),
    ...deliveryAlarms(context, settings),
  };
}
