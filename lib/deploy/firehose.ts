/**
 * serverless.yml wiring of the Firehose side: the delivery stream (Kinesis source or DirectPut) with its
 * extended S3 destination, processors and dynamic partitioning (or another destination: destinations.ts),
 * the role Firehose assumes, and the least-privilege roles of firehoseTransformer and partitionKeys.
 * Computed from pipeline.yml (docs/firehose.md, Deployment); every processor parameter is written out so
 * Firehose's own defaults cause no drift. All of it but the function roles exists only under the
 * CreateDeliveryStream Condition; its alarms are in alarms.ts.
 */
import { jqMetadataExtractionQuery, type PartitioningConfig } from '../partitioning';
import { usesDynamicPartitioning } from '../firehose/config';
import type { DeliveryConfig, PipelineConfig } from '../pipeline/types';
import {
  ATTACHABLE,
  bucketArn,
  conditionOf,
  deliveryStreamArnFor,
  functionRole,
  ifCreated,
  literalRoot,
  objectArns,
  readStreamStatement,
  streamArn,
  type DeployContext,
  type Intrinsic,
  type Statement,
} from './common';
import { buildDestination, destinationOf, type BuiltDestination } from './destinations';
import { DEFAULT_SETTINGS } from './settings';

export const TRANSFORMER_KEY = 'firehoseTransformer';
export const PARTITION_KEYS_KEY = 'partitionKeys';

/** Logical ids of what this file creates (and of the functions serverless creates from their keys). */
export const FIREHOSE_LOGICAL_IDS = {
  deliveryStream: 'DeliveryStream',
  deliveryRole: 'DeliveryStreamRole',
  logGroup: 'DeliveryStreamLogGroup',
  destinationLogStream: 'DeliveryStreamDestinationLogStream',
  backupLogStream: 'DeliveryStreamBackupLogStream',
  transformerRole: 'FirehoseTransformerRole',
  partitionKeysRole: 'PartitionKeysRole',
  transformerFunction: 'FirehoseTransformerLambdaFunction',
  partitionKeysFunction: 'PartitionKeysLambdaFunction',
} as const;

export interface FirehoseDeployContext extends DeployContext {
  /** `--param existingDeliveryStreamName=...`: deploy the functions for this delivery stream, create none. */
  existingDeliveryStreamName: string;
}

/** How long Firehose retries delivery to a partition before the error prefix; the service default, explicit. */
const DYNAMIC_PARTITIONING_RETRY_SECONDS = 300;

const PROCESSOR_FUNCTIONS = {
  firehoseTransformer: FIREHOSE_LOGICAL_IDS.transformerFunction,
  partitionKeys: FIREHOSE_LOGICAL_IDS.partitionKeysFunction,
} as const;

type Parameter = { ParameterName: string; ParameterValue: Intrinsic };
type Processor = { Type: string; Parameters: Parameter[] };

const parameters = (values: Record<string, Intrinsic>): Parameter[] =>
  Object.entries(values).map(([ParameterName, ParameterValue]) => ({ ParameterName, ParameterValue }));

const getAtt = (id: string, attribute = 'Arn'): Intrinsic => ({ 'Fn::GetAtt': [id, attribute] });

/** partitionKeys is deployed only when its keys are extracted by Lambda (not by Firehose's jq engine). */
export function deploysPartitionKeys(config: PipelineConfig): boolean {
  return config.partitioning !== undefined && (config.partitioning.engine ?? 'lambda') === 'lambda';
}

export function deliveryStreamName(context: DeployContext, delivery: DeliveryConfig): string {
  return `${delivery.name}-${context.stage}`;
}

/**
 * The delivery stream the functions serve: the one the template describes (created unless the stack
 * parameter `ExistingDeliveryStreamName` names another), or, without a `delivery` block, the existing one
 * named by `--param existingDeliveryStreamName`.
 */
export function servedDeliveryStream(
  context: FirehoseDeployContext,
  delivery: DeliveryConfig | undefined,
): Intrinsic | undefined {
  if (delivery) return ifCreated('deliveryStream', deliveryStreamName(context, delivery));
  return context.existingDeliveryStreamName ? { Ref: ATTACHABLE.deliveryStream.parameter } : undefined;
}

/** The processors, in the order Firehose runs them: de-aggregation, Lambda, jq extraction, delimiter. */
export function processorsFor(
  delivery: DeliveryConfig,
  partitioning: PartitioningConfig | undefined,
  roleArn: Intrinsic,
): Processor[] {
  const dynamic = usesDynamicPartitioning(delivery);
  const engine = partitioning?.engine ?? 'lambda';
  const lambda = delivery.processor.function;
  const processors: Processor[] = [];
  if (dynamic && delivery.input === 'json' && delivery.multiRecordDeaggregation) {
    // Records holding several objects are split before the Lambda, so each object gets its own keys.
    processors.push({ Type: 'RecordDeAggregation', Parameters: parameters({ SubRecordType: 'JSON' }) });
  }
  if (lambda !== 'none') {
    processors.push({
      Type: 'Lambda',
      Parameters: parameters({
        LambdaArn: getAtt(PROCESSOR_FUNCTIONS[lambda]),
        NumberOfRetries: String(delivery.processor.retries),
        BufferSizeInMBs: String(delivery.processor.bufferSizeMB),
        BufferIntervalInSeconds: String(delivery.processor.bufferIntervalSeconds),
        RoleArn: roleArn,
      }),
    });
  }
  if (dynamic && engine === 'jq' && partitioning) {
    processors.push({
      Type: 'MetadataExtraction',
      Parameters: parameters({
        MetadataExtractionQuery: jqMetadataExtractionQuery(partitioning),
        JsonParsingEngine: 'JQ-1.6',
      }),
    });
  }
  if (dynamic && lambda !== 'firehoseTransformer') {
    // firehoseTransformer ends every record with a newline; raw records need one for Athena and DuckDB.
    processors.push({ Type: 'AppendDelimiterToRecord', Parameters: [] });
  }
  return processors;
}

/** What firehoseTransformer and partitionKeys may do besides logging: put records back where they came from. */
function reingestStatements(
  context: FirehoseDeployContext,
  delivery: DeliveryConfig | undefined,
): Statement[] {
  const statements: Statement[] = [];
  const served = servedDeliveryStream(context, delivery);
  if (served) {
    statements.push({
      Effect: 'Allow',
      Action: ['firehose:PutRecordBatch'],
      Resource: deliveryStreamArnFor(served),
    });
  }
  // An existing delivery stream reads a stream only if one was named; a described one says so itself.
  const readsStream = delivery ? delivery.source === 'kinesis' : Boolean(context.existingStreamArn);
  if (readsStream) {
    statements.push({ Effect: 'Allow', Action: ['kinesis:PutRecords'], Resource: streamArn() });
  }
  return statements;
}

function deliveryRoleStatements(
  delivery: DeliveryConfig,
  processorFunction: string | undefined,
  destination: BuiltDestination | undefined,
): Statement[] {
  const roots = [literalRoot(delivery.prefix), literalRoot(delivery.errorOutputPrefix ?? '')];
  if (delivery.sourceRecordBackup) roots.push(literalRoot(delivery.backupPrefix));
  const statements: Statement[] = [
    {
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      Resource: bucketArn(),
    },
    {
      Effect: 'Allow',
      Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
      Resource: objectArns(roots),
    },
    {
      Effect: 'Allow',
      Action: ['logs:PutLogEvents'],
      Resource: getAtt(FIREHOSE_LOGICAL_IDS.logGroup),
    },
  ];
  if (delivery.source === 'kinesis') statements.push(readStreamStatement());
  if (destination) statements.push(...destination.statements);
  if (processorFunction) {
    const arn = getAtt(processorFunction);
    statements.push({
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
      // Firehose may call a qualified ARN (`:$LATEST`).
      Resource: [arn, { 'Fn::Join': ['', [arn, ':*']] }],
    });
  }
  return statements;
}

function deliveryRole(statements: Statement[]): Record<string, unknown> {
  return {
    Type: 'AWS::IAM::Role',
    ...conditionOf('deliveryStream'),
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'firehose.amazonaws.com' },
            Action: 'sts:AssumeRole',
            // Confused-deputy guard: only Firehose acting for this account.
            Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'delivery-stream-least-privilege',
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      ],
    },
  };
}

function deliveryStreamResources(context: FirehoseDeployContext, delivery: DeliveryConfig) {
  const { partitioning } = context.pipeline.config;
  const ids = FIREHOSE_LOGICAL_IDS;
  const name = deliveryStreamName(context, delivery);
  const roleArn = getAtt(ids.deliveryRole);
  const dynamic = usesDynamicPartitioning(delivery);
  const lambda = delivery.processor.function;
  const processorFunction = lambda === 'none' ? undefined : PROCESSOR_FUNCTIONS[lambda];
  const processors = processorsFor(delivery, partitioning, roleArn);
  const toS3 = destinationOf(delivery).type === 's3';
  // Other destinations always have an S3 backup of failures; S3 has one only for source records.
  const backupLogging = delivery.sourceRecordBackup || !toS3;
  const logging = (stream: string) => ({
    Enabled: true,
    LogGroupName: { Ref: ids.logGroup },
    LogStreamName: { Ref: stream },
  });
  const processing = processors.length > 0 ? { Enabled: true, Processors: processors } : { Enabled: false };
  const condition = conditionOf('deliveryStream');
  const s3Target = {
    BucketARN: bucketArn(),
    RoleARN: roleArn,
    Prefix: delivery.prefix,
    ...(delivery.errorOutputPrefix !== undefined && { ErrorOutputPrefix: delivery.errorOutputPrefix }),
  };
  const other = toS3
    ? undefined
    : buildDestination({
        delivery,
        params: context.destinationParams ?? {},
        roleArn,
        processing,
        logging: (stream) =>
          logging(stream === 'destination' ? ids.destinationLogStream : ids.backupLogStream),
        s3: (overrides = {}) => ({
          ...s3Target,
          CompressionFormat: delivery.compression,
          EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
          CloudWatchLoggingOptions: logging(ids.backupLogStream),
          ...overrides,
        }),
      });
  const destination: Record<string, unknown> = {
    ...s3Target,
    BufferingHints: {
      SizeInMBs: delivery.buffering.sizeMB,
      IntervalInSeconds: delivery.buffering.intervalSeconds,
    },
    CompressionFormat: delivery.compression,
    EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
    ...(delivery.timeZone !== undefined && { CustomTimeZone: delivery.timeZone }),
    ProcessingConfiguration: processing,
    ...(dynamic && {
      DynamicPartitioningConfiguration: {
        Enabled: true,
        RetryOptions: { DurationInSeconds: DYNAMIC_PARTITIONING_RETRY_SECONDS },
      },
    }),
    S3BackupMode: delivery.sourceRecordBackup ? 'Enabled' : 'Disabled',
    ...(delivery.sourceRecordBackup && {
      S3BackupConfiguration: {
        BucketARN: bucketArn(),
        RoleARN: roleArn,
        Prefix: delivery.backupPrefix,
        // Source records are kept as they arrived, compressed: they are for replay, not for queries.
        CompressionFormat: 'GZIP',
        BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 },
        CloudWatchLoggingOptions: logging(ids.backupLogStream),
      },
    }),
    CloudWatchLoggingOptions: logging(ids.destinationLogStream),
  };
  const logGroupName = `/aws/kinesisfirehose/${name}`;
  const settings = context.settings ?? DEFAULT_SETTINGS;
  return {
    [ids.deliveryRole]: deliveryRole(deliveryRoleStatements(delivery, processorFunction, other)),
    [ids.logGroup]: {
      Type: 'AWS::Logs::LogGroup',
      ...condition,
      Properties: { LogGroupName: logGroupName, RetentionInDays: settings.logRetentionDays },
    },
    [ids.destinationLogStream]: {
      Type: 'AWS::Logs::LogStream',
      ...condition,
      Properties: { LogGroupName: { Ref: ids.logGroup }, LogStreamName: 'DestinationDelivery' },
    },
    ...(backupLogging && {
      [ids.backupLogStream]: {
        Type: 'AWS::Logs::LogStream',
        ...condition,
        Properties: { LogGroupName: { Ref: ids.logGroup }, LogStreamName: 'BackupDelivery' },
      },
    }),
    [ids.deliveryStream]: {
      Type: 'AWS::KinesisFirehose::DeliveryStream',
      ...condition,
      Properties: {
        DeliveryStreamName: name,
        DeliveryStreamType: delivery.source === 'kinesis' ? 'KinesisStreamAsSource' : 'DirectPut',
        ...(delivery.source === 'kinesis'
          ? { KinesisStreamSourceConfiguration: { KinesisStreamARN: streamArn(), RoleARN: roleArn } }
          : // A Kinesis source is encrypted by its stream; direct puts are encrypted by Firehose itself.
            { DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' } }),
        ...(other
          ? { [other.property]: other.configuration }
          : { ExtendedS3DestinationConfiguration: destination }),
      },
    },
  };
}

/**
 * Everything serverless.yml takes for the Firehose side. A `delivery` block is always described, and
 * created on the CreateDeliveryStream Condition; without one only the functions' roles are made (for the
 * delivery stream named by `--param existingDeliveryStreamName`).
 */
export function firehoseResources(context: FirehoseDeployContext) {
  const { config } = context.pipeline;
  const { delivery } = config;
  const ids = FIREHOSE_LOGICAL_IDS;
  const reingest = reingestStatements(context, delivery);
  const describesStream = delivery !== undefined;
  const partitionKeysDeployable = deploysPartitionKeys(config);
  return {
    [TRANSFORMER_KEY]: { role: ids.transformerRole, environment: {} },
    [PARTITION_KEYS_KEY]: { role: ids.partitionKeysRole, environment: {} },
    resources: {
      [ids.transformerRole]: functionRole(context, TRANSFORMER_KEY, reingest),
      ...(partitionKeysDeployable && {
        [ids.partitionKeysRole]: functionRole(context, PARTITION_KEYS_KEY, reingest),
      }),
      ...(describesStream && deliveryStreamResources(context, delivery)),
    },
    outputs: {
      ...(describesStream && {
        DeliveryStreamName: {
          Description: 'Firehose delivery stream created from pipeline.yml',
          ...conditionOf('deliveryStream'),
          Value: { Ref: ids.deliveryStream },
        },
      }),
      FirehoseTransformerArn: {
        Description: 'Lambda processor ARN for a delivery stream (transform + partition keys)',
        Value: getAtt(ids.transformerFunction),
      },
      ...(partitionKeysDeployable && {
        PartitionKeysArn: {
          Description: 'Lambda processor ARN that only adds partition keys (data untouched)',
          Value: getAtt(ids.partitionKeysFunction),
        },
      }),
    },
  };
}
