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
      arn: { 'Fn::GetAtt': ['PipelineStream', 'Arn'] },
      tumblingWindowInSeconds: 300,
      batchSize: 250,
      startingPosition: 'LATEST',
      maximumRetryAttempts: 10,
      destinations: { onFailure: { type: 'sqs' } },
    });
    expect(wiring.event).not.toHaveProperty('functionResponseType');
    expect(wiring.environment).toEqual({ BUCKET_NAME: { Ref: 'PipelineBucket' } });
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

  it('reads an existing stream and scopes S3 writes to the sink prefix of an existing bucket', () => {
    // Prepare
    const pipeline = pipelineWith(
      'sql: "SELECT COUNT(*) FROM stream"\nsink: { type: s3, prefix: analytics/ }',
    );
    const arn = 'arn:aws:kinesis:eu-west-1:123456789012:stream/existing';

    // Act
    const wiring = windowAggregatorResources(
      context(pipeline, { existingStreamArn: arn, existingBucketName: 'lake' }),
    );

    // Assess
    expect(wiring.event.arn).toBe(arn);
    const put = statements(wiring.resources).find((statement) => statement.Action.includes('s3:PutObject'));
    expect(put?.Resource).toEqual([{ 'Fn::Join': ['', ['arn:aws:s3:::lake', '/analytics/*']] }]);
  });

  it('refuses a pipeline without analytics', () => {
    const pipeline = pipelineWith('sql: "SELECT COUNT(*) FROM stream"\nsink: { type: s3, prefix: a/ }');
    delete (pipeline.config as { analytics?: unknown }).analytics;
    expect(() => windowAggregatorResources(context(pipeline))).toThrow(/needs an `analytics` block/);
  });
});
