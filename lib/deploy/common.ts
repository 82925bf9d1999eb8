/**
 * Pieces of the CloudFormation template that several functions share. Everything here is computed at
 * `sls package` time from pipeline.yml and the `--param` values, offline.
 */
import type { LoadedPipeline } from '../pipeline/load';
import type { StageSettings } from './settings';

/**
 * How attaching to existing resources is decided.
 * - `conditions` (what serverless.yml uses): the template always describes what it would create, each
 *   such resource under a CloudFormation Condition on a stack parameter (`ExistingStreamArn`, ...), whose
 *   default is the `--param` value; references switch with `Fn::If`. One template creates or attaches.
 * - `package`: the `existing*` values are final when the template is built; what exists is left out and
 *   referenced literally.
 */
export type AttachMode = 'conditions' | 'package';

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
  /** Default `package`. */
  attach?: AttachMode;
  /** Stage settings (retention, alarm thresholds); lib/deploy/settings.ts defaults when absent. */
  settings?: StageSettings;
  /** `--param` values of the non-S3 Firehose destinations (lib/deploy/destinations.ts names them). */
  destinationParams?: Readonly<Record<string, string>>;
}

export type Intrinsic = string | Record<string, unknown>;

export const LOGICAL_IDS = {
  stream: 'PipelineStream',
  bucket: 'PipelineBucket',
} as const;

/** What may already exist: its stack parameter and the Condition under which the template creates it. */
export const ATTACHABLE = {
  stream: { parameter: 'ExistingStreamArn', condition: 'CreateStream' },
  bucket: { parameter: 'ExistingBucketName', condition: 'CreateBucket' },
  deliveryStream: { parameter: 'ExistingDeliveryStreamName', condition: 'CreateDeliveryStream' },
} as const;

export type Attachable = keyof typeof ATTACHABLE;

export const usesConditions = (context: Pick<DeployContext, 'attach'>): boolean =>
  context.attach === 'conditions';

/** `Fn::If` on the Condition of `what`: the created resource's value, or the stack parameter's. */
export function ifCreated(what: Attachable, created: Intrinsic, existing?: Intrinsic): Intrinsic {
  const { parameter, condition } = ATTACHABLE[what];
  return { 'Fn::If': [condition, created, existing ?? { Ref: parameter }] };
}

/** Whether the template holds `what` (under its Condition when attach mode is `conditions`). */
export function describes(context: DeployContext, what: 'stream' | 'bucket'): boolean {
  if (usesConditions(context)) return true;
  return what === 'stream' ? !context.existingStreamArn : !context.existingBucketName;
}

/** `{ Condition: 'CreateX' }` to spread into a resource that exists only when the template creates `what`. */
export function conditionOf(context: DeployContext, what: Attachable): { Condition?: string } {
  return usesConditions(context) ? { Condition: ATTACHABLE[what].condition } : {};
}

export function streamArn(context: DeployContext): Intrinsic {
  const created = { 'Fn::GetAtt': [LOGICAL_IDS.stream, 'Arn'] };
  if (usesConditions(context)) return ifCreated('stream', created);
  return context.existingStreamArn || created;
}

export function bucketName(context: DeployContext): Intrinsic {
  if (context.invokeLocal) return process.env.BUCKET_NAME ?? context.existingBucketName;
  const created = { Ref: LOGICAL_IDS.bucket };
  if (usesConditions(context)) return ifCreated('bucket', created);
  return context.existingBucketName || created;
}

export function bucketArn(context: DeployContext): Intrinsic {
  const created = { 'Fn::GetAtt': [LOGICAL_IDS.bucket, 'Arn'] };
  if (usesConditions(context)) {
    const existing = { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${${ATTACHABLE.bucket.parameter}}` };
    return ifCreated('bucket', created, existing);
  }
  return context.existingBucketName ? `arn:aws:s3:::${context.existingBucketName}` : created;
}

/** The literal start of a prefix: object permissions cover `root*`, never more than the prefixes reach. */
export function literalRoot(prefix: string): string {
  const expression = prefix.indexOf('!{');
  return expression === -1 ? prefix : prefix.slice(0, expression);
}

/** `arn:aws:s3:::bucket/prefix*` for each prefix: object permissions never cover the whole bucket. */
export function objectArns(context: DeployContext, prefixes: string[]): Intrinsic[] {
  return [...new Set(prefixes)].map((prefix) => ({ 'Fn::Join': ['', [bucketArn(context), `/${prefix}*`]] }));
}

export function functionName(context: DeployContext, key: string): string {
  return `${context.service}-${context.stage}-${key}`;
}

/** The logical id serverless gives a function (`streamConsumer` → `StreamConsumerLambdaFunction`). */
export function functionLogicalId(key: string): string {
  return `${key.charAt(0).toUpperCase()}${key.slice(1)}LambdaFunction`;
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

export function streamArnFor(name: string): Intrinsic {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:kinesis:\${AWS::Region}:\${AWS::AccountId}:stream/${name}` };
}

/** By name, never by reference: a delivery stream depends on its processor function (a Ref would be a cycle). */
export function deliveryStreamArnFor(name: Intrinsic): Intrinsic {
  const arn = `arn:\${AWS::Partition}:firehose:\${AWS::Region}:\${AWS::AccountId}:deliverystream/`;
  if (typeof name === 'string') return { 'Fn::Sub': `${arn}${name}` };
  return { 'Fn::Sub': [`${arn}\${Name}`, { Name: name }] };
}
