/**
 * The stream and the bucket every function shares, and the stack parameters and Conditions that let one
 * template either create them or attach to existing ones (`--param existingStreamArn=...`).
 */
import type { PipelineConfig } from '../pipeline/types';
import { ATTACHABLE, conditionOf, literalRoot, LOGICAL_IDS, type DeployContext } from './common';
import { ATTACH_PATTERNS, DEFAULT_SETTINGS } from './settings';

/** Prefixes whose objects are transient copies (raw JSON before conversion, source backups) or failures. */
export function lifecyclePrefixes(config: PipelineConfig): { raw: string[]; errors: string[] } {
  const { delivery, conversion, consumer } = config;
  const toS3 = delivery !== undefined && (delivery.destination?.type ?? 's3') === 's3';
  const raw = [
    conversion?.inputPrefix,
    toS3 ? literalRoot(delivery.prefix) : undefined,
    delivery?.sourceRecordBackup ? literalRoot(delivery.backupPrefix) : undefined,
  ];
  const errors = [
    consumer?.errorPrefix,
    conversion?.errorPrefix,
    delivery?.errorOutputPrefix === undefined ? undefined : literalRoot(delivery.errorOutputPrefix),
    // Other destinations back up what they could not deliver under `prefix`: failures, not data.
    delivery && !toS3 ? literalRoot(delivery.prefix) : undefined,
  ];
  // An empty root (a prefix starting with an expression) would expire the whole bucket: never a rule. A
  // prefix inside another one (`raw/event_type=` in `raw/`) needs no rule of its own.
  const keep = (prefixes: (string | undefined)[]) => {
    const given = [...new Set(prefixes.filter((prefix): prefix is string => Boolean(prefix)))];
    return given.filter((prefix) => !given.some((other) => other !== prefix && prefix.startsWith(other)));
  };
  return { raw: keep(raw), errors: keep(errors) };
}

function lifecycleRules(context: DeployContext): Record<string, unknown>[] {
  const settings = context.settings ?? DEFAULT_SETTINGS;
  const { raw, errors } = lifecyclePrefixes(context.pipeline.config);
  const expire = (kind: string, prefixes: string[], days: number) =>
    days > 0
      ? prefixes.map((prefix, index) => ({
          Id: `expire-${kind}-${index}`,
          Status: 'Enabled',
          Prefix: prefix,
          ExpirationInDays: days,
        }))
      : [];
  return [
    ...expire('raw', raw, settings.rawRetentionDays),
    ...expire('errors', errors, settings.errorRetentionDays),
    {
      Id: 'abort-incomplete-uploads',
      Status: 'Enabled',
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    },
  ];
}

export function baseResources(context: DeployContext): Record<string, unknown> {
  const { config } = context.pipeline;
  const { stream } = config;
  const bucketArn = { 'Fn::GetAtt': [LOGICAL_IDS.bucket, 'Arn'] };
  return {
    [LOGICAL_IDS.stream]: {
      Type: 'AWS::Kinesis::Stream',
      ...conditionOf('stream'),
      Properties: {
        Name: `${stream.name}-${context.stage}`,
        RetentionPeriodHours: stream.retentionHours,
        StreamModeDetails: { StreamMode: stream.mode },
        ...(stream.mode === 'PROVISIONED' && { ShardCount: stream.shards }),
        StreamEncryption: { EncryptionType: 'KMS', KeyId: stream.kmsKeyId },
      },
    },
    [LOGICAL_IDS.bucket]: {
      Type: 'AWS::S3::Bucket',
      ...conditionOf('bucket'),
      // The lake outlives the stack: `sls remove` or switching to an existing bucket never deletes data.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: { Rules: lifecycleRules(context) },
      },
    },
    [`${LOGICAL_IDS.bucket}Policy`]: {
      Type: 'AWS::S3::BucketPolicy',
      ...conditionOf('bucket'),
      Properties: {
        Bucket: { Ref: LOGICAL_IDS.bucket },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              // A Deny: the wildcard makes it cover every S3 action, which is what TLS-only means.
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    },
  };
}

const PARAMETER_DESCRIPTIONS = {
  stream: 'ARN of an existing Kinesis stream to read; empty creates one from pipeline.yml',
  bucket: 'Name of an existing S3 bucket to write to; empty creates one',
  deliveryStream:
    'Name of an existing Firehose delivery stream to serve; empty creates one from pipeline.yml',
} as const;

const PARAMETER_PATTERNS = {
  stream: ATTACH_PATTERNS.existingStreamArn,
  bucket: ATTACH_PATTERNS.existingBucketName,
  deliveryStream: ATTACH_PATTERNS.existingDeliveryStreamName,
} as const;

/** The stack parameters (defaulting to the `--param` values) and the Conditions on them. */
export function attachDeclarations(context: DeployContext & { existingDeliveryStreamName: string }): {
  parameters: Record<string, unknown>;
  conditions: Record<string, unknown>;
} {
  const defaults = {
    stream: context.existingStreamArn,
    bucket: context.existingBucketName,
    deliveryStream: context.existingDeliveryStreamName,
  };
  const parameters: Record<string, unknown> = {};
  const conditions: Record<string, unknown> = {};
  for (const [what, { parameter, condition }] of Object.entries(ATTACHABLE) as [
    keyof typeof ATTACHABLE,
    (typeof ATTACHABLE)[keyof typeof ATTACHABLE],
  ][]) {
    parameters[parameter] = {
      Type: 'String',
      Default: defaults[what],
      Description: PARAMETER_DESCRIPTIONS[what],
      AllowedPattern: PARAMETER_PATTERNS[what].pattern,
      ConstraintDescription: `must be ${PARAMETER_PATTERNS[what].what}`,
    };
    conditions[condition] = { 'Fn::Equals': [{ Ref: parameter }, ''] };
  }
  return { parameters, conditions };
}
