import { resolve } from 'node:path';
import type { DeployContext } from '../../../lib/deploy/common';
import { deployTemplate } from '../../../lib/deploy/index';
import {
  attachBucketNotification,
  parquetConverterResources,
  PARQUET_CONVERTER_FUNCTION_ID,
} from '../../../lib/deploy/parquet-converter';
import { loadPipeline, parsePipeline } from '../../../lib/pipeline/load';

const sample = loadPipeline(resolve('pipeline.yml'));

function context(
  overrides: Partial<DeployContext> = {},
): DeployContext & { existingDeliveryStreamName: string } {
  return {
    pipeline: sample,
    service: 'kinesis-pipeline',
    stage: 'dev',
    existingStreamArn: '',
    existingBucketName: '',
    existingDeliveryStreamName: '',
    ...overrides,
  };
}

type Statement = { Action: string[]; Resource: unknown };
type Resource = {
  Type: string;
  Condition?: string;
  DependsOn?: string[];
  Properties: Record<string, unknown>;
};

function objectStatements(resources: Record<string, unknown>): Statement[] {
  const policy = resources.ParquetConverterObjectAccessPolicy as Resource;
  return (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

/** The prefixes an object statement covers, from `Fn::Join ['', [bucketArn, '/prefix*']]`. */
function prefixesOf(statement: Statement): string[] {
  return (statement.Resource as { 'Fn::Join': [string, [unknown, string]] }[]).map(
    (arn) => arn['Fn::Join'][1][1],
  );
}

describe('parquetConverterResources', () => {
  it('scopes S3 access to the three prefixes and nothing else', () => {
    // Act
    const { resources } = parquetConverterResources(context());

    // Assess
    expect(objectStatements(resources).map((statement) => [statement.Action, prefixesOf(statement)])).toEqual(
      [
        [['s3:GetObject'], ['/raw/*']],
        [
          ['s3:PutObject', 's3:AbortMultipartUpload'],
          ['/curated/*', '/errors/format-conversion-failed/*'],
        ],
      ],
    );
    const role = resources.ParquetConverterRole as Resource;
    const roleActions = (
      role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((policy) => policy.PolicyDocument.Statement.flatMap((statement) => statement.Action));
    expect(roleActions).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage']);
  });

  it('with the stack bucket: a notification on it, an invoke permission under CreateBucket, no custom resource, BUCKET_NAME the stack parameter', () => {
    // Act
    const converter = parquetConverterResources(context());

    // Assess
    expect(converter.settings).not.toHaveProperty('events');
    // Empty when the stack creates the bucket (the handler then takes it from the event), never a Ref to it.
    expect(converter.environment).toEqual({ BUCKET_NAME: { Ref: 'ExistingBucketName' } });
    expect(converter.resources.ParquetConverterS3InvokePermission).toEqual({
      Type: 'AWS::Lambda::Permission',
      Condition: 'CreateBucket',
      Properties: {
        FunctionName: { 'Fn::GetAtt': [PARQUET_CONVERTER_FUNCTION_ID, 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
      },
    });
    expect(converter.bucketNotification).toEqual({
      lambdaConfiguration: {
        Event: 's3:ObjectCreated:*',
        Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'raw/' }] } },
        Function: { 'Fn::GetAtt': [PARQUET_CONVERTER_FUNCTION_ID, 'Arn'] },
      },
      dependsOn: ['ParquetConverterS3InvokePermission'],
    });
  });

  it('with an existing bucket: serverless existing-bucket event on the input prefix and BUCKET_NAME', () => {
    // Act
    const converter = parquetConverterResources(context({ existingBucketName: 'their-lake' }));
    const stackBucket = parquetConverterResources(context());

    // Assess
    expect(converter.settings.events).toEqual([
      {
        s3: {
          bucket: 'their-lake',
          event: 's3:ObjectCreated:*',
          rules: [{ prefix: 'raw/' }],
          existing: true,
        },
      },
    ]);
    // The stack parameter, whose default is the --param value (tests/unit/deploy).
    expect(converter.environment).toEqual({ BUCKET_NAME: { Ref: 'ExistingBucketName' } });
    // The stack bucket's trigger is still described; its bucket and permission exist only under CreateBucket.
    expect(converter.bucketNotification).toEqual(stackBucket.bucketNotification);
    expect(converter.resources).toHaveProperty(
      ['ParquetConverterS3InvokePermission', 'Condition'],
      'CreateBucket',
    );
    expect(JSON.stringify(objectStatements(converter.resources))).toContain(
      '"arn:${AWS::Partition}:s3:::${ExistingBucketName}"',
    );
    expect(objectStatements(converter.resources)).toEqual(objectStatements(stackBucket.resources));
  });

  it.each([
    ['deploy', {}, { BUCKET_NAME: { Ref: 'ExistingBucketName' } }],
    [
      'deploy with an existing bucket',
      { existingBucketName: 'their-lake' },
      { BUCKET_NAME: { Ref: 'ExistingBucketName' } },
    ],
    ['sls invoke local', { invokeLocal: true }, { BUCKET_NAME: 'from-the-shell' }],
  ])('sets BUCKET_NAME without naming the stack bucket in %s', async (_name, overrides, environment) => {
    const saved = process.env.BUCKET_NAME;
    process.env.BUCKET_NAME = 'from-the-shell';
    try {
      expect(parquetConverterResources(context(overrides)).environment).toEqual(environment);
    } finally {
      if (saved === undefined) delete process.env.BUCKET_NAME;
      else process.env.BUCKET_NAME = saved;
    }
  });

  it('fails sls package on a conversion block that would trigger itself', () => {
    // Prepare
    const text = `name: loop
stream: { name: s }
record: { schema: ${resolve('schemas/clickstream.schema.json')} }
conversion: { inputPrefix: data/, outputPrefix: data/parquet/, errorPrefix: errors/ }
`;

    // Act / Assess
    expect(() =>
      parquetConverterResources(context({ pipeline: parsePipeline(text, '/virtual/pipeline.yml') })),
    ).toThrow(/conversion.outputPrefix: 'data\/parquet\/' is inside inputPrefix 'data\/'/);
  });
});

describe('attachBucketNotification', () => {
  it('keeps the bucket notifications and dependencies it already has', () => {
    // Prepare
    const other = { Event: 's3:ObjectRemoved:*', Function: 'arn:aws:lambda:eu-west-1:1:function:x' };
    const resources: Record<string, unknown> = {
      PipelineBucket: {
        Type: 'AWS::S3::Bucket',
        DependsOn: 'Something',
        Properties: { NotificationConfiguration: { LambdaConfigurations: [other], TopicConfigurations: [] } },
      },
    };
    const { bucketNotification } = parquetConverterResources(context());

    // Act
    attachBucketNotification(resources, bucketNotification);

    // Assess
    expect(resources.PipelineBucket).toEqual({
      Type: 'AWS::S3::Bucket',
      DependsOn: ['Something', 'ParquetConverterS3InvokePermission'],
      Properties: {
        NotificationConfiguration: {
          LambdaConfigurations: [other, bucketNotification!.lambdaConfiguration],
          TopicConfigurations: [],
        },
      },
    });
  });

  it('refuses a template without the bucket', () => {
    const { bucketNotification } = parquetConverterResources(context());
    expect(() => attachBucketNotification({}, bucketNotification)).toThrow(/no PipelineBucket/);
  });
});

/** Logical ids a resource refers to: Ref, Fn::GetAtt, ${Id} in Fn::Sub, DependsOn. */
function references(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => references(item, found));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.add(inner);
      else if (key === 'Fn::GetAtt' && Array.isArray(inner)) found.add(String(inner[0]));
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? String(inner[0]) : String(inner);
        for (const match of text.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}/g)) found.add(match[1]!);
        references(Array.isArray(inner) ? inner[1] : undefined, found);
      } else if (key === 'DependsOn') [inner].flat().forEach((id) => found.add(String(id)));
      else references(inner, found);
    }
  }
  return found;
}

function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: string, path: string[]): string[] | undefined => {
    if (state.get(node) === 'visiting') return [...path.slice(path.indexOf(node)), node];
    if (state.get(node) === 'done') return undefined;
    state.set(node, 'visiting');
    for (const next of graph.get(node) ?? []) {
      const cycle = graph.has(next) ? visit(next, [...path, node]) : undefined;
      if (cycle) return cycle;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('the whole template', () => {
  it.each([
    ['the stack bucket', {}],
    ['an existing bucket', { existingBucketName: 'their-lake' }],
    [
      'an existing stream, bucket and delivery stream',
      {
        existingStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/theirs',
        existingBucketName: 'their-lake',
        existingDeliveryStreamName: 'theirs',
      },
    ],
  ])('has no dependency cycle with %s (functions as serverless adds them)', (_name, overrides) => {
    // Prepare: the template plus what serverless generates for each function (its role, its environment)
    const template = deployTemplate(context(overrides));
    const graph = new Map<string, Set<string>>();
    for (const [id, resource] of Object.entries(template.resources)) graph.set(id, references(resource));
    for (const [key, entry] of Object.entries(template.functions)) {
      const fn = entry as { role: string; environment: unknown; destinations?: unknown };
      graph.set(
        `${key.charAt(0).toUpperCase()}${key.slice(1)}LambdaFunction`,
        references([{ Ref: fn.role }, fn.environment]),
      );
    }

    // Act
    const cycle = findCycle(graph);

    // Assess
    expect(cycle).toBeUndefined();
    expect(template.functions.parquetConverter).toMatchObject({
      handler: 'functions/parquet-converter.handler',
      memorySize: 1024,
      timeout: 300,
      role: 'ParquetConverterRole',
      maximumRetryAttempts: 2,
      destinations: {
        onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['ParquetConverterFailureQueue', 'Arn'] } },
      },
    });
  });

  it('would have a cycle if the function named the stack bucket (the check can fail)', () => {
    const template = deployTemplate(context());
    const graph = new Map<string, Set<string>>();
    for (const [id, resource] of Object.entries(template.resources)) graph.set(id, references(resource));
    graph.set(
      PARQUET_CONVERTER_FUNCTION_ID,
      references([{ Ref: 'ParquetConverterRole' }, { BUCKET_NAME: { Ref: 'PipelineBucket' } }]),
    );

    expect(findCycle(graph)).toEqual(
      expect.arrayContaining(['PipelineBucket', PARQUET_CONVERTER_FUNCTION_ID]),
    );
  });
});
