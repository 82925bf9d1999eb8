/** The stream and the bucket every function shares, unless `--param` names existing ones. */
import { LOGICAL_IDS, type DeployContext } from './common';

export function baseResources(context: DeployContext): Record<string, unknown> {
  const { config } = context.pipeline;
  const resources: Record<string, unknown> = {};
  if (!context.existingStreamArn) {
    const { stream } = config;
    resources[LOGICAL_IDS.stream] = {
      Type: 'AWS::Kinesis::Stream',
      Properties: {
        Name: `${stream.name}-${context.stage}`,
        RetentionPeriodHours: stream.retentionHours,
        StreamModeDetails: { StreamMode: stream.mode },
        ...(stream.mode === 'PROVISIONED' && { ShardCount: stream.shards }),
        StreamEncryption: { EncryptionType: 'KMS', KeyId: stream.kmsKeyId },
      },
    };
  }
  if (!context.existingBucketName) {
    const errorPrefixes = [
      config.consumer?.errorPrefix,
      config.conversion?.errorPrefix,
      config.delivery?.errorOutputPrefix?.split('!{')[0],
    ].filter((prefix): prefix is string => Boolean(prefix));
    resources[LOGICAL_IDS.bucket] = {
      Type: 'AWS::S3::Bucket',
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
        LifecycleConfiguration: {
          Rules: [
            ...[...new Set(errorPrefixes)].map((prefix, index) => ({
              Id: `expire-errors-${index}`,
              Status: 'Enabled',
              Prefix: prefix,
              ExpirationInDays: 30,
            })),
            {
              Id: 'abort-incomplete-uploads',
              Status: 'Enabled',
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      },
    };
    resources[`${LOGICAL_IDS.bucket}Policy`] = {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: LOGICAL_IDS.bucket },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [
                { 'Fn::GetAtt': [LOGICAL_IDS.bucket, 'Arn'] },
                { 'Fn::Join': ['', [{ 'Fn::GetAtt': [LOGICAL_IDS.bucket, 'Arn'] }, '/*']] },
              ],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    };
  }
  return resources;
}
