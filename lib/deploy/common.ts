/**
 * Pieces of the CloudFormation template that several functions share. Everything here is computed at
 * `sls package` time from pipeline.yml and the `--param` values, offline.
 */
import type { LoadedPipeline } from '../pipeline/load';

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
}

export type Intrinsic = string | Record<string, unknown>;

export const LOGICAL_IDS = {
  stream: 'PipelineStream',
  bucket: 'PipelineBucket',
} as const;

export function streamArn(context: DeployContext): Intrinsic {
  return context.existingStreamArn || { 'Fn::GetAtt': [LOGICAL_IDS.stream, 'Arn'] };
}

export function bucketName(context: DeployContext): Intrinsic {
  if (context.invokeLocal) return process.env.BUCKET_NAME ?? context.existingBucketName;
  return context.existingBucketName || { Ref: LOGICAL_IDS.bucket };
}

export function bucketArn(context: DeployContext): Intrinsic {
  return context.existingBucketName
    ? `arn:aws:s3:::${context.existingBucketName}`
    : { 'Fn::GetAtt': [LOGICAL_IDS.bucket, 'Arn'] };
}

/** `arn:aws:s3:::bucket/prefix*` for each prefix: object permissions never cover the whole bucket. */
export function objectArns(context: DeployContext, prefixes: string[]): Intrinsic[] {
  return [...new Set(prefixes)].map((prefix) => ({ 'Fn::Join': ['', [bucketArn(context), `/${prefix}*`]] }));
}

export function functionName(context: DeployContext, key: string): string {
  return `${context.service}-${context.stage}-${key}`;
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

export function deliveryStreamArnFor(name: string): Intrinsic {
  return {
    'Fn::Sub': `arn:\${AWS::Partition}:firehose:\${AWS::Region}:\${AWS::AccountId}:deliverystream/${name}`,
  };
}
