/** serverless.yml wiring of windowAggregator: its stream event with tumbling windows, role, on-failure queue (alarms: alarms.ts). */
import {
  bucketName,
  deliveryStreamArnFor,
  failureQueue,
  functionRole,
  objectArns,
  readStreamStatement,
  sendToQueueStatement,
  streamArn,
  streamArnFor,
  type DeployContext,
  type Statement,
} from './common';

export const WINDOW_AGGREGATOR_KEY = 'windowAggregator';
const QUEUE = 'WindowAggregatorFailureQueue';
const ROLE = 'WindowAggregatorRole';

/** Only what the sink of `analytics:` needs, on that target only. */
const SINK_STATEMENTS = {
  s3: (prefix: string): Statement => ({
    Effect: 'Allow',
    Action: ['s3:PutObject'],
    Resource: objectArns([prefix]),
  }),
  firehose: (deliveryStream: string): Statement => ({
    Effect: 'Allow',
    Action: ['firehose:PutRecordBatch'],
    Resource: [deliveryStreamArnFor(deliveryStream)],
  }),
  kinesis: (stream: string): Statement => ({
    Effect: 'Allow',
    Action: ['kinesis:PutRecords'],
    Resource: [streamArnFor(stream)],
  }),
} as const;

export function windowAggregatorResources(context: DeployContext) {
  const analytics = context.pipeline.config.analytics;
  if (!analytics) throw new Error(`${context.pipeline.file}: windowAggregator needs an \`analytics\` block`);
  const sink = analytics.sink;
  const target =
    sink.type === 's3' ? sink.prefix : sink.type === 'firehose' ? sink.deliveryStream : sink.stream;

  const statements: Statement[] = [
    readStreamStatement(),
    SINK_STATEMENTS[sink.type](target),
    sendToQueueStatement(QUEUE),
  ];

  return {
    role: ROLE,
    environment: sink.type === 's3' ? { BUCKET_NAME: bucketName(context) } : {},
    event: {
      arn: streamArn(),
      type: 'kinesis',
      batchSize: analytics.batchSize,
      batchWindow: analytics.batchWindowSeconds,
      startingPosition: analytics.startingPosition,
      maximumRetryAttempts: analytics.maximumRetryAttempts,
      maximumRecordAgeInSeconds: analytics.maximumRecordAgeSeconds,
      // The handler never fails for record content; a split batch would only repeat a failed emission.
      bisectBatchOnFunctionError: false,
      tumblingWindowInSeconds: analytics.tumblingWindowInSeconds,
      destinations: { onFailure: { arn: { 'Fn::GetAtt': [QUEUE, 'Arn'] }, type: 'sqs' } },
    },
    resources: {
      [ROLE]: functionRole(context, WINDOW_AGGREGATOR_KEY, statements),
      // On-failure records carry batch coordinates only, to re-read them from the stream.
      [QUEUE]: failureQueue(),
    },
  };
}
