/**
 * What deployTemplate adds once every function is in: the Glue table, the alarms over all of them, the
 * outputs users attach to, and the event sources that switch with a Condition.
 */
import { alarmResources, type AlarmedFunction } from './alarms';
import {
  bucketName,
  functionIdPrefix,
  functionName,
  LOGICAL_IDS,
  streamArn,
  type DeployContext,
} from './common';
import type { FirehoseDeployContext } from './firehose';
import { glueNames, glueResources } from './glue';
import type { DeployTemplate } from './functions';

interface StreamEvent {
  stream?: { arn?: unknown };
}

/**
 * serverless names an event source mapping after its stream's logical id and cannot read an `Fn::If`, so the
 * event keeps the created stream's ARN for its name and `resources.extensions` sets the real source.
 */
function conditionalEventSources(template: DeployTemplate): void {
  for (const [key, entry] of Object.entries(template.functions)) {
    for (const event of (entry?.events ?? []) as StreamEvent[]) {
      const arn = event.stream?.arn;
      if (typeof arn !== 'object' || arn === null || !('Fn::If' in arn)) continue;
      event.stream!.arn = { 'Fn::GetAtt': [LOGICAL_IDS.stream, 'Arn'] };
      const mapping = `${functionIdPrefix(key)}EventSourceMappingKinesis${LOGICAL_IDS.stream}`;
      template.extensions[mapping] = { Properties: { EventSourceArn: arn } };
    }
  }
}

interface ExistingBucketEvent {
  s3?: { bucket?: unknown; existing?: boolean };
}

/** serverless' role for the custom resources it deploys (here only the existing-bucket S3 trigger). */
export const CUSTOM_RESOURCES_ROLE = 'IamRoleCustomResourcesLambdaExecution';

/**
 * serverless lets its existing-bucket handler add invoke permissions to every function of the account
 * (`function:*`); it only ever changes the functions whose `s3` events name an existing bucket, so the role is
 * narrowed to those functions and buckets. Its statements are rebuilt whole (`extensions` replace `Policies`).
 */
function narrowCustomResourcesRole(context: DeployContext, template: DeployTemplate): void {
  const functions: string[] = [];
  const buckets = new Set<string>();
  for (const [key, entry] of Object.entries(template.functions)) {
    for (const event of (entry?.events ?? []) as ExistingBucketEvent[]) {
      if (event.s3?.existing !== true || typeof event.s3.bucket !== 'string') continue;
      functions.push(functionName(context, key));
      buckets.add(event.s3.bucket);
    }
  }
  if (functions.length === 0) return;
  template.extensions[CUSTOM_RESOURCES_ROLE] = {
    Properties: {
      Policies: [
        {
          PolicyName: { 'Fn::Join': ['-', [context.stage, context.service, 'custom-resources-lambda']] },
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['s3:GetBucketNotification', 's3:PutBucketNotification'],
                Resource: [...buckets].map((bucket) => ({
                  'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}`,
                })),
              },
              {
                Effect: 'Allow',
                Action: ['lambda:AddPermission', 'lambda:RemovePermission'],
                Resource: [...new Set(functions)].map((name) => ({
                  'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${name}`,
                })),
              },
            ],
          },
        },
      ],
    },
  };
}

export function completeTemplate(
  context: DeployContext & FirehoseDeployContext,
  template: DeployTemplate,
): DeployTemplate {
  const glue = glueResources(context);
  Object.assign(template.resources, glue);
  Object.assign(
    template.resources,
    alarmResources(context, template.functions as Record<string, AlarmedFunction>),
  );
  if (Object.keys(glue).length > 0) {
    const names = glueNames(context);
    template.outputs.GlueDatabaseName = {
      Description: 'Glue database of the lake (Athena)',
      Value: names.database,
    };
    template.outputs.GlueTableName = {
      Description: 'Glue table over the curated Parquet prefix',
      Value: names.table,
    };
  }
  if (!context.invokeLocal) {
    template.outputs.StreamArn = { Description: 'The stream the functions read', Value: streamArn() };
    template.outputs.BucketName = {
      Description: 'The bucket the pipeline writes',
      Value: bucketName(context),
    };
  }
  conditionalEventSources(template);
  narrowCustomResourcesRole(context, template);
  return template;
}
