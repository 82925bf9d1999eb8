/**
 * serverless.yml wiring of parquetConverter: its S3 ObjectCreated trigger on `conversion.inputPrefix`, a
 * role scoped to the input, output and error prefixes, and an on-failure queue for objects whose retries
 * ran out (alarms.ts alarms on it and on the function's errors).
 *
 * The trigger, by where the bucket comes from:
 * - Bucket created by this stack: a NotificationConfiguration on the bucket resource plus an
 *   AWS::Lambda::Permission, all plain CloudFormation. No custom resource, so no extra Lambda whose role
 *   holds s3:PutBucketNotification and lambda:AddPermission (what `existing: true` deploys; template.ts
 *   scopes that role when it is needed). The bucket then depends on the function, so nothing
 *   the function depends on may name the bucket: its S3 grants sit in a separate AWS::IAM::Policy, its
 *   BUCKET_NAME is the stack parameter, empty here (the handler takes the bucket from the event; the
 *   policy allows only this bucket's prefixes), and the invoke permission is limited by SourceAccount (naming the bucket's ARN
 *   there would make the permission wait for the bucket that waits for it).
 * - `--param existingBucketName`: CloudFormation cannot change a bucket it does not own, so serverless's
 *   `s3` event with `existing: true` (a custom resource that merges this notification into the bucket's
 *   configuration, keeping the others) is the route. Decided when the template is built, not by the
 *   CreateBucket Condition (a custom resource cannot sit under a Condition here); the stack bucket's
 *   notification and invoke permission are still described, under that Condition.
 */
import { validateConversionConfig } from '../parquet';
import {
  ATTACHABLE,
  LOGICAL_IDS,
  bucketName,
  conditionOf,
  failureQueue,
  functionLogicalId,
  functionRole,
  objectArns,
  sendToQueueStatement,
  type DeployContext,
  type Intrinsic,
  type Statement,
} from './common';

export const PARQUET_CONVERTER_KEY = 'parquetConverter';
export const PARQUET_CONVERTER_FUNCTION_ID = functionLogicalId(PARQUET_CONVERTER_KEY);
const ROLE = 'ParquetConverterRole';
const OBJECT_POLICY = 'ParquetConverterObjectAccessPolicy';
const INVOKE_PERMISSION = 'ParquetConverterS3InvokePermission';
const QUEUE = 'ParquetConverterFailureQueue';

/** S3 retries a failed asynchronous invoke twice; then the event goes to the on-failure queue. */
const ASYNC_RETRIES = 2;
/** Events older than this (still throttled or failing) go to the queue instead of being retried. */
const MAX_EVENT_AGE_SECONDS = 6 * 60 * 60;

export interface BucketNotification {
  /** Merged into the bucket's `NotificationConfiguration.LambdaConfigurations`. */
  lambdaConfiguration: Record<string, unknown>;
  /** The bucket must wait for these (S3 checks it may invoke the function when the notification is set). */
  dependsOn: string[];
}

export function parquetConverterResources(context: DeployContext) {
  const conversion = context.pipeline.config.conversion;
  if (!conversion) throw new Error(`${context.pipeline.file}: parquetConverter needs a \`conversion\` block`);
  // `sls package` fails as the cold start would, before a self-triggering configuration is deployed.
  const problems = validateConversionConfig(conversion);
  if (problems.length > 0) throw new Error(`${context.pipeline.file}: ${problems.join('; ')}`);
  const { inputPrefix, outputPrefix, errorPrefix } = conversion;
  const functionArn: Intrinsic = { 'Fn::GetAtt': [PARQUET_CONVERTER_FUNCTION_ID, 'Arn'] };

  const objectStatements: Statement[] = [
    { Effect: 'Allow', Action: ['s3:GetObject'], Resource: objectArns([inputPrefix]) },
    {
      Effect: 'Allow',
      // lib-storage's Upload: PutObject, or Create/UploadPart/CompleteMultipartUpload (all s3:PutObject)
      // and AbortMultipartUpload when a conversion fails half-way.
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: objectArns([outputPrefix, errorPrefix]),
    },
  ];

  const resources: Record<string, unknown> = {
    [ROLE]: functionRole(context, PARQUET_CONVERTER_KEY, [sendToQueueStatement(QUEUE)]),
    [OBJECT_POLICY]: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: `${PARQUET_CONVERTER_KEY}-objects`,
        Roles: [{ Ref: ROLE }],
        PolicyDocument: { Version: '2012-10-17', Statement: objectStatements },
      },
    },
    // On-failure messages carry the S3 event (bucket and key), to convert the object again.
    [QUEUE]: failureQueue(),
    // The stack's bucket, when created: its notification (attachBucketNotification) needs this permission.
    [INVOKE_PERMISSION]: {
      Type: 'AWS::Lambda::Permission',
      ...conditionOf('bucket'),
      Properties: {
        FunctionName: functionArn,
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
      },
    },
  };
  const bucketNotification: BucketNotification = {
    lambdaConfiguration: {
      Event: 's3:ObjectCreated:*',
      Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: inputPrefix }] } },
      Function: functionArn,
    },
    dependsOn: [INVOKE_PERMISSION],
  };

  const events: Record<string, unknown>[] = [];
  if (context.existingBucketName) {
    // The bucket is not the stack's: serverless's custom resource adds this notification to it.
    events.push({
      s3: {
        bucket: context.existingBucketName,
        event: 's3:ObjectCreated:*',
        rules: [{ prefix: inputPrefix }],
        existing: true,
      },
    });
  }
  return {
    role: ROLE,
    environment: converterEnvironment(context),
    /** Function properties beyond the shared ones: the trigger and the asynchronous-invoke settings. */
    settings: {
      ...(events.length > 0 && { events }),
      maximumRetryAttempts: ASYNC_RETRIES,
      maximumEventAge: MAX_EVENT_AGE_SECONDS,
      destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': [QUEUE, 'Arn'] } } },
    },
    resources,
    bucketNotification,
  };
}

/**
 * BUCKET_NAME is the stack parameter, never a Ref to the stack's own bucket: that would close the cycle
 * bucket (its notification) → function → bucket. Empty, the handler takes the bucket from the event.
 */
function converterEnvironment(context: DeployContext): Record<string, Intrinsic> {
  if (context.invokeLocal) return { BUCKET_NAME: bucketName(context) };
  // The stack parameter: empty when the stack creates the bucket, the existing bucket's name otherwise.
  return { BUCKET_NAME: { Ref: ATTACHABLE.bucket.parameter } };
}

interface BucketResource {
  Properties: { NotificationConfiguration?: { LambdaConfigurations?: unknown[] } } & Record<string, unknown>;
  DependsOn?: string | string[];
}

/** Adds the converter's trigger to the stack's bucket resource (created by baseResources). */
export function attachBucketNotification(
  resources: Record<string, unknown>,
  notification: BucketNotification,
): void {
  const bucket = resources[LOGICAL_IDS.bucket] as BucketResource | undefined;
  if (bucket === undefined) {
    throw new Error(`parquetConverter: the stack has no ${LOGICAL_IDS.bucket} to attach the S3 trigger to`);
  }
  const configuration = bucket.Properties.NotificationConfiguration ?? {};
  bucket.Properties.NotificationConfiguration = {
    ...configuration,
    LambdaConfigurations: [...(configuration.LambdaConfigurations ?? []), notification.lambdaConfiguration],
  };
  const dependsOn = bucket.DependsOn === undefined ? [] : [bucket.DependsOn].flat();
  bucket.DependsOn = [...new Set([...dependsOn, ...notification.dependsOn])];
}
