/**
 * Pieces of the CloudFormation template that several functions share. Everything here is computed at
 * `sls package` time from pipeline.yml and the `--param` values, offline.
 */
import type { LoadedPipeline } from '../pipeline/load';
import type { StageSettings } from './settings';

export interface DeployContext {
  pipeline: LoadedPipeline;
  service: string;
  stage: string;
  /** `--param existingStreamArn=...`: attach to this stream instead of creating one. */
  existingStreamArn: string;
  /** `--param existingBucketName=...`: write to this bucket instead of creating one. */
  existingBucketName: string;
  /** `sls invoke local`: environment values must be plain strings, taken from the shell. */
  invokeLocal?: boolean;
  /** Stage settings (retention, alarm thresholds); lib/deploy/settings.ts defaults when absent. */
  settings?: StageSettings;
  /** `--param` values of the non-S3 Firehose destinations (lib/deploy/destinations.ts names them). */
  destinationParams?: Readonly<Record<string, string>>;
  /** Where the functions that mask read the salt (lib/deploy/secrets.ts); the stage's default name when absent. */
  secrets?: { maskSaltParameter: string; maskSaltKmsKeyArn: string };
  /** `--param tracing=true`: X-Ray on (lib/deploy/tracing.ts). */
  tracing?: boolean;
}

export type Intrinsic = string | Record<string, unknown>;

export const LOGICAL_IDS = {
  stream: 'PipelineStream',
  bucket: 'PipelineBucket',
} as const;

/**
 * What may already exist: its stack parameter and the Condition under which the template creates it. The
 * template always describes what it would create, each such resource under its Condition on the stack
 * parameter (`ExistingStreamArn`, ...), whose default is the `--param` value; references switch with `Fn::If`.
 * One template creates or attaches.
 */
export const ATTACHABLE = {
  stream: { parameter: 'ExistingStreamArn', condition: 'CreateStream' },
  bucket: { parameter: 'ExistingBucketName', condition: 'CreateBucket' },
  deliveryStream: { parameter: 'ExistingDeliveryStreamName', condition: 'CreateDeliveryStream' },
} as const;

export type Attachable = keyof typeof ATTACHABLE;

/** `Fn::If` on the Condition of `what`: the created resource's value, or the stack parameter's. */
export function ifCreated(what: Attachable, created: Intrinsic, existing?: Intrinsic): Intrinsic {
  const { parameter, condition } = ATTACHABLE[what];
  return { 'Fn::If': [condition, created, existing ?? { Ref: parameter }] };
}

/** `{ Condition: 'CreateX' }` to spread into a resource that exists only when the template creates `what`. */
export function conditionOf(what: Attachable): { Condition: string } {
  return { Condition: ATTACHABLE[what].condition };
}

export function streamArn(): Intrinsic {
  return ifCreated('stream', { 'Fn::GetAtt': [LOGICAL_IDS.stream, 'Arn'] });
}

export function bucketName(context: DeployContext): Intrinsic {
  if (context.invokeLocal) return process.env.BUCKET_NAME ?? context.existingBucketName;
  return ifCreated('bucket', { Ref: LOGICAL_IDS.bucket });
}

export function bucketArn(): Intrinsic {
  const existing = { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${${ATTACHABLE.bucket.parameter}}` };
  return ifCreated('bucket', { 'Fn::GetAtt': [LOGICAL_IDS.bucket, 'Arn'] }, existing);
}

/** The literal start of a prefix: object permissions cover `root*`, never more than the prefixes reach. */
export function literalRoot(prefix: string): string {
  const expression = prefix.indexOf('!{');
  return expression === -1 ? prefix : prefix.slice(0, expression);
}

/** `arn:aws:s3:::bucket/prefix*` for each prefix: object permissions never cover the whole bucket. */
export function objectArns(prefixes: string[]): Intrinsic[] {
  return [...new Set(prefixes)].map((prefix) => ({ 'Fn::Join': ['', [bucketArn(), `/${prefix}*`]] }));
}

export function functionName(context: DeployContext, key: string): string {
  return `${context.service}-${context.stage}-${key}`;
}

/** How serverless starts the logical ids of a function's resources (`streamConsumer` → `StreamConsumer`). */
export function functionIdPrefix(key: string): string {
  return `${key.charAt(0).toUpperCase()}${key.slice(1)}`;
}

/** The logical id serverless gives a function (`streamConsumer` → `StreamConsumerLambdaFunction`). */
export function functionLogicalId(key: string): string {
  return `${functionIdPrefix(key)}LambdaFunction`;
}

export function logGroupArn(context: DeployContext, key: string): Intrinsic {
  return {
    'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName(context, key)}:*`,
  };
}

export interface Statement {
  Effect: 'Allow';
  Action: string[];
  Resource: Intrinsic | Intrinsic[];
}

/** A function's own execution role: its log group plus exactly the statements given. */
export function functionRole(
  context: DeployContext,
  key: string,
  statements: Statement[],
): Record<string, unknown> {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      Policies: [
        {
          PolicyName: `${key}-least-privilege`,
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: logGroupArn(context, key),
              },
              ...statements,
            ],
          },
        },
      ],
    },
  };
}

/** What an event source mapping (or a Firehose Kinesis source) needs to read the stream, on this stream only. */
export function readStreamStatement(): Statement {
  return {
    Effect: 'Allow',
    Action: [
      'kinesis:DescribeStream',
      'kinesis:DescribeStreamSummary',
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
    ],
    Resource: streamArn(),
  };
}

/**
 * An on-failure (dead-letter) queue: its messages carry coordinates (batch or S3 event), not records; 14 days
 * to act on them.
 */
export function failureQueue(): Record<string, unknown> {
  return {
    Type: 'AWS::SQS::Queue',
    Properties: { MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
  };
}

/** Lambda sends a failed batch or event to the on-failure destination with the function's own role. */
export function sendToQueueStatement(queue: string): Statement {
  return { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': [queue, 'Arn'] } };
}

export function streamArnFor(name: string): Intrinsic {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:kinesis:\${AWS::Region}:\${AWS::AccountId}:stream/${name}` };
}

/** By name, never by reference: a delivery stream depends on its processor function (a Ref would be a cycle). */
export function deliveryStreamArnFor(name: Intrinsic): Intrinsic {
  const arn = `arn:\${AWS::Partition}:firehose:\${AWS::Region}:\${AWS::AccountId}:deliverystream/`;
  if (typeof name === 'string') return { 'Fn::Sub': `${arn}${name}` };
  return { 'Fn::Sub': [`${arn}\${Name}`, { Name: name }] };
}
