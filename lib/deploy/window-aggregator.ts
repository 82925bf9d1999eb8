/** serverless.yml wiring of windowAggregator: its stream event with tumbling windows, role, on-failure queue (alarms: alarms.ts). */
import {
  bucketName,
  deliveryStreamArnFor,
  functionRole,
  objectArns,
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
  s3: (context: DeployContext, prefix: string): Statement => ({
    Effect: 'Allow',
    Action: ['s3:PutObject'],
    Resource: objectArns(context, [prefix]),
  }),
  firehose: (_context: DeployContext, deliveryStream: string): Statement => ({
    Effect: 'Allow',
    Action: ['firehose:PutRecordBatch'],
    Resource: [deliveryStreamArnFor(deliveryStream)],
  }),
  kinesis: (_context: DeployContext, stream: string): Statement => ({
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
    {
      Effect: 'Allow',
      // What the event source mapping needs to read the stream, on this stream only.
      Action: [
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
      ],
      Resource: streamArn(context),
    },
    SINK_STATEMENTS[sink.type](context, target),
    { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': [QUEUE, 'Arn'] } },
  ];

  return {
    role: ROLE,
    environment: sink.type === 's3' ? { BUCKET_NAME: bucketName(context) } : {},
    event: {
      arn: streamArn(context),
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
      [QUEUE]: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          // On-failure records carry batch coordinates only; 14 days to re-read them from the stream.
          MessageRetentionPeriod: 1209600,
          SqsManagedSseEnabled: true,
        },
      },
    },
  };
}
