/** serverless.yml wiring of streamConsumer: its stream event, role and on-failure queue (alarms: alarms.ts). */
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

export const CONSUMER_KEY = 'streamConsumer';
const QUEUE = 'StreamConsumerFailureQueue';
const ROLE = 'StreamConsumerRole';

export function streamConsumerResources(context: DeployContext) {
  const consumer = context.pipeline.config.consumer;
  if (!consumer) throw new Error(`${context.pipeline.file}: streamConsumer needs a \`consumer\` block`);
  const sinks = consumer.sinks;
  const s3Prefixes = [
    consumer.errorPrefix,
    ...sinks.flatMap((sink) => (sink.type === 's3' ? [sink.prefix] : [])),
  ];
  const firehoseTargets = sinks.flatMap((sink) => (sink.type === 'firehose' ? [sink.deliveryStream] : []));
  const kinesisTargets = sinks.flatMap((sink) => (sink.type === 'kinesis' ? [sink.stream] : []));

  const statements: Statement[] = [
    readStreamStatement(),
    { Effect: 'Allow', Action: ['s3:PutObject'], Resource: objectArns(s3Prefixes) },
    sendToQueueStatement(QUEUE),
  ];
  if (firehoseTargets.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['firehose:PutRecordBatch'],
      Resource: firehoseTargets.map(deliveryStreamArnFor),
    });
  }
  if (kinesisTargets.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['kinesis:PutRecords'],
      Resource: kinesisTargets.map(streamArnFor),
    });
  }

  return {
    role: ROLE,
    environment: { BUCKET_NAME: bucketName(context) },
    event: {
      arn: streamArn(),
      type: 'kinesis',
      batchSize: consumer.batchSize,
      batchWindow: consumer.batchWindowSeconds,
      startingPosition: consumer.startingPosition,
      parallelizationFactor: consumer.parallelizationFactor,
      maximumRetryAttempts: consumer.maximumRetryAttempts,
      maximumRecordAgeInSeconds: consumer.maximumRecordAgeSeconds,
      bisectBatchOnFunctionError: consumer.bisectBatchOnFunctionError,
      functionResponseType: 'ReportBatchItemFailures',
      destinations: { onFailure: { arn: { 'Fn::GetAtt': [QUEUE, 'Arn'] }, type: 'sqs' } },
    },
    resources: {
      [ROLE]: functionRole(context, CONSUMER_KEY, statements),
      // On-failure records carry batch coordinates only, to re-read them from the stream.
      [QUEUE]: failureQueue(),
    },
  };
}
