import { resolve } from 'node:path';
import {
  firehoseResources,
  FIREHOSE_LOGICAL_IDS as IDS,
  type FirehoseDeployContext,
} from '../../../lib/deploy/firehose';
import { jqMetadataExtractionQuery, type PartitioningConfig } from '../../../lib/partitioning';
import { loadPipeline, parsePipeline, type LoadedPipeline } from '../../../lib/pipeline/load';

type Json = Record<string, unknown>;
type Processor = { Type: string; Parameters: { ParameterName: string; ParameterValue: unknown }[] };
type Statement = { Action: string[]; Resource: unknown };

function contextFor(
  pipeline: LoadedPipeline,
  params: Partial<FirehoseDeployContext> = {},
): FirehoseDeployContext {
  return {
    pipeline,
    service: 'kinesis-pipeline',
    stage: 'dev',
    existingStreamArn: '',
    existingBucketName: '',
    existingDeliveryStreamName: '',
    ...params,
  };
}

const sample = loadPipeline(resolve('pipeline.yml'));

/** The sample pipeline with some top-level blocks replaced (YAML text appended wins per key); `delivery: null` drops it. */
function variant(replace: { partitioning?: string; delivery?: Json | null }): LoadedPipeline {
  const config = structuredClone(sample.config) as unknown as Json;
  const text = [
    `name: ${sample.config.name}`,
    `stream: ${JSON.stringify(config.stream)}`,
    `record: ${JSON.stringify({ ...(config.record as Json), schema: 'schemas/clickstream.schema.json' })}`,
    `transforms: ${JSON.stringify(config.transforms)}`,
    replace.partitioning ?? `partitioning: ${JSON.stringify(config.partitioning)}`,
    replace.delivery === null
      ? ''
      : `delivery: ${JSON.stringify({ ...(config.delivery as Json), ...replace.delivery })}`,
  ].join('\n');
  return parsePipeline(text, resolve('pipeline.variant.yml'));
}

function stream(resources: Json): Json {
  return (resources[IDS.deliveryStream] as { Properties: Json }).Properties;
}
function destination(resources: Json): Json {
  return stream(resources).ExtendedS3DestinationConfiguration as Json;
}
function processors(resources: Json): Processor[] {
  const config = destination(resources).ProcessingConfiguration as { Processors?: Processor[] };
  return config.Processors ?? [];
}
function parameter(processor: Processor | undefined, name: string): unknown {
  return processor?.Parameters.find((p) => p.ParameterName === name)?.ParameterValue;
}
function statements(resources: Json, role: string): Statement[] {
  const policies = (
    resources[role] as { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } }
  ).Properties.Policies;
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}
function actions(resources: Json, role: string): string[] {
  return statements(resources, role).flatMap((statement) => statement.Action);
}
function resourceOf(resources: Json, role: string, action: string): unknown {
  return statements(resources, role).find((statement) => statement.Action.includes(action))?.Resource;
}

/** What the template references for what may already exist: the created resource, or the stack parameter. */
const STREAM_ARN = {
  'Fn::If': ['CreateStream', { 'Fn::GetAtt': ['PipelineStream', 'Arn'] }, { Ref: 'ExistingStreamArn' }],
};
const BUCKET_ARN = {
  'Fn::If': [
    'CreateBucket',
    { 'Fn::GetAtt': ['PipelineBucket', 'Arn'] },
    { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ExistingBucketName}' },
  ],
};
const DELIVERY_STREAM_ARN = {
  'Fn::Sub': [
    'arn:${AWS::Partition}:firehose:${AWS::Region}:${AWS::AccountId}:deliverystream/${Name}',
    {
      Name: {
        'Fn::If': ['CreateDeliveryStream', 'clickstream-delivery-dev', { Ref: 'ExistingDeliveryStreamName' }],
      },
    },
  ],
};

/** Everything of the delivery stream but the function roles: created only on the CreateDeliveryStream Condition. */
const DELIVERY_IDS = [IDS.deliveryStream, IDS.deliveryRole, IDS.logGroup, IDS.destinationLogStream];

/** Reference firehose.md §5: the fields, ranges and enums CloudFormation accepts. */
const DESTINATION_FIELDS = new Set([
  'BucketARN',
  'RoleARN',
  'Prefix',
  'ErrorOutputPrefix',
  'BufferingHints',
  'CompressionFormat',
  'ProcessingConfiguration',
  'DynamicPartitioningConfiguration',
  'DataFormatConversionConfiguration',
  'S3BackupMode',
  'S3BackupConfiguration',
  'FileExtension',
  'CustomTimeZone',
  'EncryptionConfiguration',
  'CloudWatchLoggingOptions',
]);
const PROCESSOR_TYPES = new Set([
  'Lambda',
  'MetadataExtraction',
  'AppendDelimiterToRecord',
  'RecordDeAggregation',
  'Decompression',
  'CloudWatchLogProcessing',
]);

function referenceProblems(resources: Json): string[] {
  const problems: string[] = [];
  const props = stream(resources);
  if (!['DirectPut', 'KinesisStreamAsSource'].includes(props.DeliveryStreamType as string))
    problems.push('DeliveryStreamType');
  if (
    (props.DeliveryStreamType === 'KinesisStreamAsSource') !==
    'KinesisStreamSourceConfiguration' in props
  ) {
    problems.push('KinesisStreamSourceConfiguration goes with KinesisStreamAsSource only');
  }
  const dest = destination(resources);
  for (const field of Object.keys(dest))
    if (!DESTINATION_FIELDS.has(field)) problems.push(`unknown field ${field}`);
  const hints = dest.BufferingHints as { SizeInMBs: number; IntervalInSeconds: number };
  if (!(hints.SizeInMBs >= 1 && hints.SizeInMBs <= 128)) problems.push('SizeInMBs');
  if (!(hints.IntervalInSeconds >= 0 && hints.IntervalInSeconds <= 900)) problems.push('IntervalInSeconds');
  if (!['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'].includes(dest.CompressionFormat as string))
    problems.push('CompressionFormat');
  for (const processor of processors(resources)) {
    if (!PROCESSOR_TYPES.has(processor.Type)) problems.push(`processor ${processor.Type}`);
    for (const { ParameterName, ParameterValue } of processor.Parameters) {
      if (typeof ParameterValue === 'string' && ParameterValue.length > 5120)
        problems.push(`${ParameterName} too long`);
      if (typeof ParameterValue === 'number') problems.push(`${ParameterName} must be a string`);
    }
  }
  if (dest.DynamicPartitioningConfiguration && !dest.ErrorOutputPrefix)
    problems.push('ErrorOutputPrefix is mandatory');
  return problems;
}

describe('firehoseResources: the sample pipeline', () => {
  const built = firehoseResources(contextFor(sample));
  const { resources } = built;
  const delivery = sample.config.delivery!;

  it('builds a delivery stream that meets reference §5', () => {
    expect(referenceProblems(resources)).toEqual([]);
  });

  it('reads the pipeline stream, with the delivery role', () => {
    expect(stream(resources)).toMatchObject({
      DeliveryStreamName: 'clickstream-delivery-dev',
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: {
        KinesisStreamARN: STREAM_ARN,
        RoleARN: { 'Fn::GetAtt': [IDS.deliveryRole, 'Arn'] },
      },
    });
  });

  it('creates the delivery stream, its role and logs only under CreateDeliveryStream, the function roles always', () => {
    const conditions = Object.fromEntries(
      Object.entries(resources).map(([id, resource]) => [id, (resource as Json).Condition]),
    );
    expect(conditions).toEqual({
      ...Object.fromEntries(DELIVERY_IDS.map((id) => [id, 'CreateDeliveryStream'])),
      [IDS.transformerRole]: undefined,
      [IDS.partitionKeysRole]: undefined,
    });
  });

  it('takes prefix, buffering and compression from pipeline.yml and enables dynamic partitioning', () => {
    expect(destination(resources)).toMatchObject({
      Prefix: delivery.prefix,
      ErrorOutputPrefix: delivery.errorOutputPrefix,
      BufferingHints: {
        SizeInMBs: delivery.buffering.sizeMB,
        IntervalInSeconds: delivery.buffering.intervalSeconds,
      },
      CompressionFormat: delivery.compression,
      DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
      S3BackupMode: 'Disabled',
    });
  });

  it('de-aggregates JSON records, then calls the transformer with every parameter written out', () => {
    const [deaggregation, lambda] = processors(resources);
    expect(processors(resources).map((p) => p.Type)).toEqual(['RecordDeAggregation', 'Lambda']);
    expect(parameter(deaggregation, 'SubRecordType')).toBe('JSON');
    expect(lambda!.Parameters.map((p) => p.ParameterName)).toEqual([
      'LambdaArn',
      'NumberOfRetries',
      'BufferSizeInMBs',
      'BufferIntervalInSeconds',
      'RoleArn',
    ]);
    expect(parameter(lambda, 'LambdaArn')).toEqual({ 'Fn::GetAtt': [IDS.transformerFunction, 'Arn'] });
    expect(parameter(lambda, 'NumberOfRetries')).toBe(String(delivery.processor.retries));
    expect(parameter(lambda, 'BufferSizeInMBs')).toBe(String(delivery.processor.bufferSizeMB));
    expect(parameter(lambda, 'BufferIntervalInSeconds')).toBe(
      String(delivery.processor.bufferIntervalSeconds),
    );
  });

  it('gives Firehose only what it uses: the stream, the function, its log group and the prefixes it writes', () => {
    expect(actions(resources, IDS.deliveryRole).sort()).toEqual(
      [
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
        'lambda:GetFunctionConfiguration',
        'lambda:InvokeFunction',
        'logs:PutLogEvents',
        's3:AbortMultipartUpload',
        's3:GetBucketLocation',
        's3:GetObject',
        's3:ListBucket',
        's3:ListBucketMultipartUploads',
        's3:PutObject',
      ].sort(),
    );
    const objects = resourceOf(resources, IDS.deliveryRole, 's3:PutObject') as {
      'Fn::Join': [string, unknown[]];
    }[];
    expect(objects.map((arn) => arn['Fn::Join'][1][1])).toEqual(['/raw/event_type=*', '/errors/*']);
    const trust = (resources[IDS.deliveryRole] as { Properties: Json }).Properties.AssumeRolePolicyDocument;
    expect(JSON.stringify(trust)).toContain('sts:ExternalId');
  });

  it('lets each function put records back only to the source stream and the delivery stream', () => {
    for (const role of [IDS.transformerRole, IDS.partitionKeysRole]) {
      expect(actions(resources, role).sort()).toEqual(
        ['firehose:PutRecordBatch', 'kinesis:PutRecords', 'logs:CreateLogStream', 'logs:PutLogEvents'].sort(),
      );
      expect(resourceOf(resources, role, 'kinesis:PutRecords')).toEqual(STREAM_ARN);
      // By name, not by reference: the delivery stream depends on the function, so a reference would be a cycle.
      expect(JSON.stringify(resources[role])).not.toContain(`"${IDS.deliveryStream}"`);
      expect(resourceOf(resources, role, 'firehose:PutRecordBatch')).toEqual(DELIVERY_STREAM_ARN);
    }
  });

  it('wires the functions to their roles and exports what users attach', () => {
    expect(built.firehoseTransformer).toEqual({ role: IDS.transformerRole, environment: {} });
    expect(built.partitionKeys).toEqual({ role: IDS.partitionKeysRole, environment: {} });
    expect(Object.keys(built.outputs).sort()).toEqual([
      'DeliveryStreamName',
      'FirehoseTransformerArn',
      'PartitionKeysArn',
    ]);
    // The created delivery stream's name exists only when the stack creates it.
    expect(built.outputs.DeliveryStreamName).toMatchObject({
      Condition: 'CreateDeliveryStream',
      Value: { Ref: IDS.deliveryStream },
    });
  });
});

describe('firehoseResources: variants', () => {
  it('direct-put: no source stream, no Kinesis permissions', () => {
    const { resources } = firehoseResources(contextFor(variant({ delivery: { source: 'direct-put' } })));
    expect(referenceProblems(resources)).toEqual([]);
    expect(stream(resources).DeliveryStreamType).toBe('DirectPut');
    expect(stream(resources)).not.toHaveProperty('KinesisStreamSourceConfiguration');
    expect(actions(resources, IDS.deliveryRole).some((action) => action.startsWith('kinesis:'))).toBe(false);
    expect(actions(resources, IDS.transformerRole)).not.toContain('kinesis:PutRecords');
  });

  const jq =
    'partitioning: { engine: jq, onMissingKey: default, keys: [{ name: event_type, path: event_type }] }';
  const jqPrefix = 'raw/event_type=!{partitionKeyFromQuery:event_type}/';

  it('engine jq: a MetadataExtraction processor with the query generated from the same rules', () => {
    const pipeline = variant({ partitioning: jq, delivery: { prefix: jqPrefix } });
    const { resources } = firehoseResources(contextFor(pipeline));
    expect(referenceProblems(resources)).toEqual([]);
    expect(processors(resources).map((p) => p.Type)).toEqual([
      'RecordDeAggregation',
      'Lambda',
      'MetadataExtraction',
    ]);
    const extraction = processors(resources)[2];
    expect(parameter(extraction, 'MetadataExtractionQuery')).toBe(
      jqMetadataExtractionQuery(pipeline.config.partitioning as PartitioningConfig),
    );
    expect(parameter(extraction, 'JsonParsingEngine')).toBe('JQ-1.6');
  });

  it('engine jq without a Lambda: Firehose adds the newline between records', () => {
    const pipeline = variant({
      partitioning: jq,
      delivery: { prefix: jqPrefix, processor: { function: 'none' } },
    });
    const { resources } = firehoseResources(contextFor(pipeline));
    expect(processors(resources).map((p) => p.Type)).toEqual([
      'RecordDeAggregation',
      'MetadataExtraction',
      'AppendDelimiterToRecord',
    ]);
    expect(actions(resources, IDS.deliveryRole)).not.toContain('lambda:InvokeFunction');
  });

  it('processor partitionKeys: calls the key extractor and appends newlines to the untouched data', () => {
    const pipeline = variant({ delivery: { processor: { function: 'partitionKeys' } } });
    const { resources } = firehoseResources(contextFor(pipeline));
    const lambda = processors(resources).find((p) => p.Type === 'Lambda');
    expect(parameter(lambda, 'LambdaArn')).toEqual({ 'Fn::GetAtt': [IDS.partitionKeysFunction, 'Arn'] });
    expect(processors(resources).at(-1)!.Type).toBe('AppendDelimiterToRecord');
  });

  it('no partitioning: no dynamic partitioning, no de-aggregation, any buffer', () => {
    const pipeline = variant({
      partitioning: '',
      delivery: { prefix: 'raw/', buffering: { sizeMB: 5, intervalSeconds: 30 } },
    });
    const { resources } = firehoseResources(contextFor(pipeline));
    expect(referenceProblems(resources)).toEqual([]);
    expect(destination(resources)).not.toHaveProperty('DynamicPartitioningConfiguration');
    expect(processors(resources).map((p) => p.Type)).toEqual(['Lambda']);
    expect(destination(resources).BufferingHints).toEqual({ SizeInMBs: 5, IntervalInSeconds: 30 });
  });

  it('cloudwatch-logs input, backup, time zone: no JSON de-aggregation, backup prefix, CustomTimeZone', () => {
    const pipeline = variant({
      delivery: {
        input: 'cloudwatch-logs',
        sourceRecordBackup: true,
        backupPrefix: 'backup/',
        timeZone: 'Europe/Paris',
      },
    });
    const { resources } = firehoseResources(contextFor(pipeline));
    expect(referenceProblems(resources)).toEqual([]);
    expect(processors(resources).map((p) => p.Type)).toEqual(['Lambda']);
    expect(destination(resources)).toMatchObject({
      CustomTimeZone: 'Europe/Paris',
      S3BackupMode: 'Enabled',
      S3BackupConfiguration: { Prefix: 'backup/', CompressionFormat: 'GZIP' },
    });
    const objects = resourceOf(resources, IDS.deliveryRole, 's3:PutObject') as {
      'Fn::Join': [string, unknown[]];
    }[];
    expect(objects.map((arn) => arn['Fn::Join'][1][1])).toContain('/backup/*');
    expect(resources).toHaveProperty(IDS.backupLogStream);
  });

  // The --param values reach the stack only as the parameters' defaults (tests/unit/deploy): the resources
  // are the same whatever they are, and switch between created and existing with Fn::If.
  it.each(['', 'my-lake'])(
    '--param existingBucketName %j: writes to the stack bucket or the ExistingBucketName one, by ARN',
    (existingBucketName) => {
      const { resources } = firehoseResources(contextFor(sample, { existingBucketName }));
      expect(destination(resources).BucketARN).toEqual(BUCKET_ARN);
      expect(resourceOf(resources, IDS.deliveryRole, 's3:ListBucket')).toEqual(BUCKET_ARN);
      const objects = resourceOf(resources, IDS.deliveryRole, 's3:PutObject') as {
        'Fn::Join': [string, unknown[]];
      }[];
      expect(objects.map((arn) => arn['Fn::Join'][1][0])).toEqual([BUCKET_ARN, BUCKET_ARN]);
    },
  );

  it.each(['', 'arn:aws:kinesis:eu-west-1:123456789012:stream/existing'])(
    '--param existingStreamArn %j: reads and re-ingests to the stack stream or the ExistingStreamArn one',
    (existingStreamArn) => {
      const { resources } = firehoseResources(contextFor(sample, { existingStreamArn }));
      expect(stream(resources)).toMatchObject({
        KinesisStreamSourceConfiguration: { KinesisStreamARN: STREAM_ARN },
      });
      expect(resourceOf(resources, IDS.deliveryRole, 'kinesis:GetRecords')).toEqual(STREAM_ARN);
      expect(resourceOf(resources, IDS.transformerRole, 'kinesis:PutRecords')).toEqual(STREAM_ARN);
    },
  );

  it('--param existingDeliveryStreamName with a delivery block: the delivery stream still described, under its Condition', () => {
    const built = firehoseResources(contextFor(sample, { existingDeliveryStreamName: 'theirs' }));
    for (const id of DELIVERY_IDS) {
      expect(built.resources).toHaveProperty([id, 'Condition'], 'CreateDeliveryStream');
    }
    expect(resourceOf(built.resources, IDS.transformerRole, 'firehose:PutRecordBatch')).toEqual(
      DELIVERY_STREAM_ARN,
    );
    expect(built.outputs).toHaveProperty(['DeliveryStreamName', 'Condition'], 'CreateDeliveryStream');
  });

  it.each<[string, string, boolean]>([
    ['without a source stream', '', false],
    ['with its source stream', 'arn:aws:kinesis:eu-west-1:123456789012:stream/src', true],
  ])(
    '--param existingDeliveryStreamName and no delivery block, %s: only the function roles, aimed at it',
    (_case, streamArn, putRecords) => {
      const built = firehoseResources(
        contextFor(variant({ delivery: null }), {
          existingDeliveryStreamName: 'theirs',
          existingStreamArn: streamArn,
        }),
      );
      expect(Object.keys(built.resources).sort()).toEqual(
        [IDS.partitionKeysRole, IDS.transformerRole].sort(),
      );
      expect(resourceOf(built.resources, IDS.transformerRole, 'firehose:PutRecordBatch')).toEqual({
        'Fn::Sub': [
          'arn:${AWS::Partition}:firehose:${AWS::Region}:${AWS::AccountId}:deliverystream/${Name}',
          { Name: { Ref: 'ExistingDeliveryStreamName' } },
        ],
      });
      expect(resourceOf(built.resources, IDS.transformerRole, 'kinesis:PutRecords')).toEqual(
        putRecords ? STREAM_ARN : undefined,
      );
      expect(built.outputs).not.toHaveProperty('DeliveryStreamName');
    },
  );

  it('no delivery block and no existingDeliveryStreamName: the roles may put records nowhere', () => {
    const built = firehoseResources(contextFor(variant({ delivery: null })));
    expect(actions(built.resources, IDS.transformerRole).sort()).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents'].sort(),
    );
  });
});
