import { windowAggregatorResources } from '../../../lib/deploy/window-aggregator';
import type { DeployContext } from '../../../lib/deploy/common';
import type { LoadedPipeline } from '../../../lib/pipeline/load';
import { pipelineWith } from './helpers';

function context(pipeline: LoadedPipeline, existing: Partial<DeployContext> = {}): DeployContext {
  return {
    pipeline,
    service: 'kinesis-pipeline',
    stage: 'dev',
    existingStreamArn: '',
    existingBucketName: '',
    ...existing,
  };
}

const STREAM_ARN = {
  'Fn::If': ['CreateStream', { 'Fn::GetAtt': ['PipelineStream', 'Arn'] }, { Ref: 'ExistingStreamArn' }],
};

function statements(resources: Record<string, unknown>): { Action: string[]; Resource: unknown }[] {
  const role = resources.WindowAggregatorRole as {
    Properties: { Policies: { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }[] };
  };
  return role.Properties.Policies[0]!.PolicyDocument.Statement;
}

describe('windowAggregator deploy wiring', () => {
  it('attaches to the stream with tumbling windows and the batch settings of analytics:', () => {
    // Prepare
    const pipeline = pipelineWith(
      'sql: "SELECT COUNT(*) FROM stream"\ntumblingWindowInSeconds: 300\nbatchSize: 250\nsink: { type: s3, prefix: analytics/ }',
    );

    // Act
    const wiring = windowAggregatorResources(context(pipeline));

    // Assess
    expect(wiring.event).toMatchObject({
      type: 'kinesis',
      arn: STREAM_ARN,
      tumblingWindowInSeconds: 300,
      batchSize: 250,
      startingPosition: 'LATEST',
      maximumRetryAttempts: 10,
      destinations: { onFailure: { type: 'sqs' } },
    });
    expect(wiring.event).not.toHaveProperty('functionResponseType');
    expect(wiring.environment).toEqual({
      BUCKET_NAME: { 'Fn::If': ['CreateBucket', { Ref: 'PipelineBucket' }, { Ref: 'ExistingBucketName' }] },
    });
    expect(Object.keys(wiring.resources)).toEqual(
      expect.arrayContaining(['WindowAggregatorRole', 'WindowAggregatorFailureQueue']),
    );
  });

  it.each([
    ['s3', 'sink: { type: s3, prefix: analytics/ }', 's3:PutObject'],
    ['firehose', 'sink: { type: firehose, deliveryStream: results }', 'firehose:PutRecordBatch'],
    ['kinesis', 'sink: { type: kinesis, stream: results }', 'kinesis:PutRecords'],
  ])('grants only the %s sink its write action', (_type, sinkYaml, action) => {
    // Prepare
    const pipeline = pipelineWith(`sql: "SELECT COUNT(*) FROM stream"\n${sinkYaml}`);

    // Act
    const actions = statements(windowAggregatorResources(context(pipeline)).resources).flatMap(
      (statement) => statement.Action,
    );

    // Assess
    const writes = actions.filter((name) => /Put/.test(name) && name !== 'logs:PutLogEvents');
    expect(writes).toEqual([action]);
  });

  // The --param values reach the stack only as the parameters' defaults: the wiring is the same whatever
  // they are, and switches between the stack's stream and bucket and the existing ones with Fn::If.
  it.each([
    ['the stack stream and bucket', {}],
    [
      'an existing stream and bucket',
      {
        existingStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/existing',
        existingBucketName: 'lake',
      },
    ],
  ])('reads %s and scopes S3 writes to the sink prefix of the bucket', (_case, existing) => {
    // Prepare
    const pipeline = pipelineWith(
      'sql: "SELECT COUNT(*) FROM stream"\nsink: { type: s3, prefix: analytics/ }',
    );

    // Act
    const wiring = windowAggregatorResources(context(pipeline, existing));

    // Assess
    expect(wiring.event.arn).toEqual(STREAM_ARN);
    const read = statements(wiring.resources).find((statement) =>
      statement.Action.includes('kinesis:GetRecords'),
    );
    expect(read?.Resource).toEqual(STREAM_ARN);
    const put = statements(wiring.resources).find((statement) => statement.Action.includes('s3:PutObject'));
    const bucketArn = {
      'Fn::If': [
        'CreateBucket',
        { 'Fn::GetAtt': ['PipelineBucket', 'Arn'] },
        { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ExistingBucketName}' },
      ],
    };
    expect(put?.Resource).toEqual([{ 'Fn::Join': ['', [bucketArn, '/analytics/*']] }]);
  });

  it('refuses a pipeline without analytics', () => {
    const pipeline = pipelineWith('sql: "SELECT COUNT(*) FROM stream"\nsink: { type: s3, prefix: a/ }');
    delete (pipeline.config as { analytics?: unknown }).analytics;
    expect(() => windowAggregatorResources(context(pipeline))).toThrow(/needs an `analytics` block/);
  });
});
