/**
 * `sls package` for each documented configuration (README, Deploy): a fresh account, attaching to existing
 * resources, and each Firehose destination. Nothing here reaches AWS: each packaged template is checked
 * against AWS's resource specification (support/cfn-spec.ts) and for least privilege (support/iam.ts), and
 * what CloudFormation would create is worked out from its Conditions (support/conditions.ts). Each
 * configuration is packaged once and shared by its assertions.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConversion } from '../../../lib/parquet';
import { loadPipeline } from '../../../lib/pipeline/load';
import { SpecChecker, type Template } from './support/cfn-spec';
import { deployedWith } from './support/conditions';
import { iamProblems, policyDocuments } from './support/iam';
import {
  CONFIGURATIONS,
  DESTINATION,
  EXISTING,
  SALT_SECRET_ARN,
  type Configuration,
} from './support/configurations';
import { params, ROOT, sharedPackage, slsPackage, type Packaged } from './support/sls';

type Resources = Template['Resources'];
type Json = Record<string, unknown>;

/** Each configuration is packaged once per run, whichever describe (or packaged-zips.test.ts) asks first. */
function packaged(name: Configuration): Promise<Packaged> {
  return sharedPackage(CONFIGURATIONS[name].args, CONFIGURATIONS[name].env);
}

function ofType(resources: Resources, type: string): [string, Resources[string]][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function props(resources: Resources, id: string): Json {
  const resource = resources[id];
  if (!resource) throw new Error(`no resource ${id} (have ${Object.keys(resources).join(', ')})`);
  return resource.Properties ?? {};
}

/** Every Allow statement of a role's inline policies. */
function statements(resources: Resources, role: string): { Action: string[]; Resource: unknown }[] {
  const policies = props(resources, role).Policies as { PolicyDocument: { Statement: never[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

function alarms(resources: Resources): Json[] {
  return ofType(resources, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties ?? {});
}

let spec: SpecChecker;
beforeAll(async () => {
  spec = await SpecChecker.load();
});

describe.each(Object.keys(CONFIGURATIONS) as Configuration[])('sls package: %s', (name) => {
  let template: Packaged['template'];
  let state: Packaged['state'];
  beforeAll(async () => {
    ({ template, state } = await packaged(name));
  });

  it('holds no mask salt in the template or the .serverless state, only where to read it', () => {
    const files = Object.keys(state);
    expect(files).toEqual(
      expect.arrayContaining(['cloudformation-template-update-stack.json', 'serverless-state.json']),
    );
    for (const [file, text] of Object.entries(state)) {
      expect({ file, salt: /"MASK_SALT"\s*:|dev-only-mask-salt/.test(text) }).toEqual({ file, salt: false });
    }
    const masking = ofType(template.Resources, 'AWS::Lambda::Function').filter(([, fn]) =>
      JSON.stringify(fn.Properties?.Environment ?? {}).includes('MASK_SALT'),
    );
    for (const [id, fn] of masking) {
      expect({
        id,
        variables: Object.keys((fn.Properties!.Environment as { Variables: Json }).Variables),
      }).toEqual({
        id,
        variables: expect.not.arrayContaining(['MASK_SALT']) as unknown,
      });
    }
  });

  it('conforms to the CloudFormation resource specification', () => {
    expect(Object.keys(template.Resources).length).toBeGreaterThan(5);
    expect(spec.check(template)).toEqual([]);
  });

  it('grants no wildcard action and scopes every resource', () => {
    expect(policyDocuments(template).length).toBeGreaterThan(1);
    expect(iamProblems(template)).toEqual([]);
  });

  it('gives every function a role of its own, and Firehose one too', () => {
    const functions = ofType(template.Resources, 'AWS::Lambda::Function').map(
      ([, fn]) => (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
    );
    expect(functions.length).toBeGreaterThan(0);
    expect(new Set(functions).size).toBe(functions.length);
    const firehose = template.Resources.DeliveryStreamRole;
    expect(JSON.stringify(firehose?.Properties?.AssumeRolePolicyDocument)).toContain(
      'firehose.amazonaws.com',
    );
  });

  it('blocks public access on every bucket it creates, the deployment bucket included', () => {
    const buckets = ofType(template.Resources, 'AWS::S3::Bucket');
    expect(buckets.map(([id]) => id)).toContain('ServerlessDeploymentBucket');
    for (const [id, bucket] of buckets) {
      expect({ id, block: bucket.Properties?.PublicAccessBlockConfiguration }).toEqual({
        id,
        block: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
    }
  });

  it('creates every resource that exists only under a Condition when no --param names an existing one', () => {
    // Prepare: every attach parameter empty, as in a fresh account
    const empty = Object.fromEntries(Object.keys(template.Parameters ?? {}).map((key) => [key, '']));

    // Act
    const deployed = deployedWith(template, empty);

    // Assess
    expect(Object.values(deployed.conditions)).toEqual([true, true, true]);
    expect(Object.keys(deployed.resources).sort()).toEqual(Object.keys(template.Resources).sort());
  });
});

describe('fresh account (pipeline.yml, stage dev)', () => {
  const pipeline = loadPipeline(join(ROOT, 'pipeline.yml'));
  const { config } = pipeline;
  let resources: Resources;
  beforeAll(async () => {
    resources = deployedWith((await packaged('fresh')).template).resources;
  });

  it('creates the stream as pipeline.yml describes it, KMS-encrypted', () => {
    expect(props(resources, 'PipelineStream')).toMatchObject({
      StreamModeDetails: { StreamMode: config.stream.mode },
      ShardCount: config.stream.shards,
      RetentionPeriodHours: config.stream.retentionHours,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: config.stream.kmsKeyId },
    });
  });

  it('creates a locked-down bucket with lifecycle rules for raw and error prefixes (dev retention)', () => {
    const bucket = props(resources, 'PipelineBucket');
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(bucket.BucketEncryption)).toContain('SSEAlgorithm');
    const rules = (
      bucket.LifecycleConfiguration as { Rules: { Prefix?: string; ExpirationInDays?: number }[] }
    ).Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: config.conversion!.inputPrefix, ExpirationInDays: 7 }),
        expect.objectContaining({ Prefix: config.consumer!.errorPrefix, ExpirationInDays: 14 }),
      ]),
    );
    const policy = JSON.stringify(props(resources, 'PipelineBucketPolicy'));
    expect(policy).toContain('"aws:SecureTransport":"false"');
    expect(policy).toContain('"Effect":"Deny"');
  });

  it('encrypts the on-failure queues', () => {
    const queues = ofType(resources, 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThan(0);
    for (const [, queue] of queues) expect(queue.Properties!.SqsManagedSseEnabled).toBe(true);
  });

  it('creates the Firehose delivery stream reading the stream, with dynamic partitioning', () => {
    const stream = props(resources, 'DeliveryStream');
    expect(stream.KinesisStreamSourceConfiguration).toMatchObject({
      KinesisStreamARN: { 'Fn::GetAtt': ['PipelineStream', 'Arn'] },
    });
    expect(stream.ExtendedS3DestinationConfiguration).toMatchObject({
      Prefix: config.delivery!.prefix,
      DynamicPartitioningConfiguration: { Enabled: true },
    });
  });

  it('creates a Glue table over the curated Parquet prefix: schema columns, projected partition keys', () => {
    const table = props(resources, 'LakeTable').TableInput as {
      PartitionKeys: { Name: string }[];
      StorageDescriptor: { Columns: { Name: string; Type: string }[]; Location: unknown };
      Parameters: Record<string, unknown>;
    };
    const keys = config.partitioning!.keys.map((key) => key.name);
    const expected = compileConversion(pipeline.recordSchema, config.conversion)
      .columns.map((column) => column.name)
      .filter((column) => !keys.includes(column));
    expect(table.PartitionKeys.map((key) => key.Name)).toEqual(keys);
    expect(table.StorageDescriptor.Columns.map((column) => column.Name)).toEqual(expected);
    expect(JSON.stringify(table.StorageDescriptor.Location)).toContain(`/${config.conversion!.outputPrefix}`);
    expect(table.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.event_type.type': 'enum',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
    });
    expect(JSON.stringify(table.Parameters['storage.location.template'])).toContain(
      '/curated/event_type=${event_type}/dt=${dt}/',
    );
  });

  it('alarms on iterator age, function errors, dead letters, delivery failures, partition overflow and failed records', () => {
    const byMetric = new Map(alarms(resources).map((alarm) => [alarm.MetricName, alarm]));
    expect([...byMetric.keys()].sort()).toEqual(
      [
        'ApproximateNumberOfMessagesVisible',
        // The functions' own metrics (EMF): failed records, Parquet conversion errors, batches handed back.
        'RecordsFailed',
        'ConversionErrors',
        'BatchItemFailures',
        'DeliveryToS3.DataFreshness',
        'DeliveryToS3.Success',
        'Errors',
        'ExecuteProcessing.Success',
        'IteratorAge',
        'PartitionCountExceeded',
      ].sort(),
    );
    // dev thresholds (serverless.yml params.dev)
    expect(byMetric.get('IteratorAge')!.Threshold).toBe(900_000);
    expect(byMetric.get('Errors')!.Threshold).toBe(5);
    expect(byMetric.get('ApproximateNumberOfMessagesVisible')!.Threshold).toBe(10);
    expect(byMetric.get('RecordsFailed')).toMatchObject({
      Namespace: 'kinesis-pipeline/dev',
      Threshold: 100,
    });
  });

  it('publishes metrics under the stage namespace and leaves tracing off', () => {
    for (const [id, fn] of ofType(resources, 'AWS::Lambda::Function')) {
      if (id.startsWith('CustomDash')) continue;
      const variables = (fn.Properties!.Environment as { Variables: Json } | undefined)?.Variables ?? {};
      expect({ id, variables }).toMatchObject({
        id,
        variables: {
          POWERTOOLS_METRICS_NAMESPACE: 'kinesis-pipeline/dev',
          POWERTOOLS_TRACE_ENABLED: 'false',
        },
      });
      expect(fn.Properties!.TracingConfig).toBeUndefined();
    }
  });

  it('keeps dev logs 7 days at INFO', () => {
    for (const [, group] of ofType(resources, 'AWS::Logs::LogGroup')) {
      expect(group.Properties!.RetentionInDays).toBe(7);
    }
    const consumer = props(resources, 'StreamConsumerLambdaFunction');
    expect(consumer.Environment).toMatchObject({ Variables: { POWERTOOLS_LOG_LEVEL: 'INFO' } });
  });
});

describe('attach to existing stream, bucket and delivery stream (stage prod)', () => {
  let template: Template;
  let resources: Resources;
  beforeAll(async () => {
    ({ template } = await packaged('attach'));
    resources = deployedWith(template).resources;
  });

  it('turns each --param into the default of a constrained stack parameter', () => {
    expect(template.Parameters).toMatchObject({
      ExistingStreamArn: { Type: 'String', Default: EXISTING.existingStreamArn },
      ExistingBucketName: { Type: 'String', Default: EXISTING.existingBucketName },
      ExistingDeliveryStreamName: { Type: 'String', Default: EXISTING.existingDeliveryStreamName },
    });
    for (const parameter of Object.values(template.Parameters ?? {}) as { AllowedPattern?: string }[]) {
      expect(parameter.AllowedPattern).toMatch(/^\^\$\|/);
    }
  });

  it('creates none of what exists', () => {
    expect(ofType(resources, 'AWS::Kinesis::Stream')).toEqual([]);
    expect(ofType(resources, 'AWS::KinesisFirehose::DeliveryStream')).toEqual([]);
    expect(ofType(resources, 'AWS::S3::Bucket').map(([id]) => id)).toEqual(['ServerlessDeploymentBucket']);
    expect(resources).not.toHaveProperty('DeliveryStreamRole');
    expect(resources).not.toHaveProperty('PipelineBucketPolicy');
  });

  it('attaches the functions to the existing resources', () => {
    const mapping = ofType(resources, 'AWS::Lambda::EventSourceMapping').find(([id]) =>
      id.startsWith('StreamConsumer'),
    )!;
    expect(mapping[1].Properties!.EventSourceArn).toBe(EXISTING.existingStreamArn);
    expect(props(resources, 'StreamConsumerLambdaFunction').Environment).toMatchObject({
      Variables: { BUCKET_NAME: EXISTING.existingBucketName, MASK_SALT_PARAMETER: SALT_SECRET_ARN },
    });
    expect(statements(resources, 'StreamConsumerRole')).toContainEqual({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: SALT_SECRET_ARN,
    });
    const reingest = statements(resources, 'FirehoseTransformerRole').find((statement) =>
      statement.Action.includes('firehose:PutRecordBatch'),
    );
    expect(JSON.stringify(reingest?.Resource)).toContain(`"Name":"${EXISTING.existingDeliveryStreamName}"`);
    const location = JSON.stringify(props(resources, 'LakeTable'));
    expect(location).toContain(`"${EXISTING.existingBucketName}"`);
  });

  it('serves a fresh account from the same template when the parameters are empty', () => {
    const fresh = deployedWith(template, {
      ExistingStreamArn: '',
      ExistingBucketName: '',
      ExistingDeliveryStreamName: '',
    }).resources;
    expect(ofType(fresh, 'AWS::Kinesis::Stream').map(([id]) => id)).toEqual(['PipelineStream']);
    expect(fresh).toHaveProperty('DeliveryStream');
    const mapping = ofType(fresh, 'AWS::Lambda::EventSourceMapping')[0]!;
    expect(mapping[1].Properties!.EventSourceArn).toEqual({ 'Fn::GetAtt': ['PipelineStream', 'Arn'] });
  });

  it('uses the prod params: 90-day logs, WARN, tighter alarms', () => {
    for (const [, group] of ofType(resources, 'AWS::Logs::LogGroup')) {
      expect(group.Properties!.RetentionInDays).toBe(90);
    }
    expect(props(resources, 'StreamConsumerLambdaFunction').Environment).toMatchObject({
      Variables: { POWERTOOLS_LOG_LEVEL: 'WARN' },
    });
    const iteratorAge = alarms(resources).filter((alarm) => alarm.MetricName === 'IteratorAge');
    expect(iteratorAge.map((alarm) => alarm.Threshold)).toEqual(iteratorAge.map(() => 120_000));
  });
});

describe('other Firehose destinations', () => {
  function destination(resources: Resources, property: string): Json {
    const stream = props(resources, 'DeliveryStream');
    expect(Object.keys(stream)).not.toContain('ExtendedS3DestinationConfiguration');
    return stream[property] as Json;
  }
  const lambda = { Type: 'Lambda' };
  const transformer = {
    ParameterName: 'LambdaArn',
    ParameterValue: { 'Fn::GetAtt': ['FirehoseTransformerLambdaFunction', 'Arn'] },
  };

  it('opensearch: the domain from --param, the transformer, failed documents backed up to S3', async () => {
    const { template } = await packaged('opensearch');
    const { resources } = deployedWith(template);
    const config = destination(resources, 'AmazonopensearchserviceDestinationConfiguration');
    expect(config).toMatchObject({
      DomainARN: DESTINATION.openSearchDomainArn,
      IndexName: 'clickstream',
      S3BackupMode: 'FailedDocumentsOnly',
      S3Configuration: { Prefix: 'opensearch-failed/' },
      ProcessingConfiguration: { Enabled: true, Processors: [expect.objectContaining(lambda)] },
    });
    expect(JSON.stringify(config.ProcessingConfiguration)).toContain(JSON.stringify(transformer));
    const es = statements(resources, 'DeliveryStreamRole').filter((statement) =>
      statement.Action.some((action) => action.startsWith('es:')),
    );
    expect(es.length).toBeGreaterThan(0);
    for (const resource of es.flatMap((statement) => [statement.Resource].flat() as string[])) {
      expect(resource.startsWith(DESTINATION.openSearchDomainArn)).toBe(true);
    }
    expect(props(resources, 'PipelineStream')).not.toHaveProperty('ShardCount');
    expect(props(resources, 'PipelineStream').StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(alarms(resources).map((alarm) => alarm.MetricName)).toContain(
      'DeliveryToAmazonOpenSearchService.Success',
    );
  });

  it.each([
    ['splunk', 'SplunkDestinationConfiguration', DESTINATION.splunkHecTokenSecretArn, ['HECToken']],
    [
      'redshift',
      'RedshiftDestinationConfiguration',
      DESTINATION.redshiftCredentialsSecretArn,
      ['Password', 'Username'],
    ],
  ] as const)(
    '%s: the secret stays in Secrets Manager, read by the Firehose role alone',
    async (name, property, secret, plaintext) => {
      const { template } = await packaged(name);
      const { resources } = deployedWith(template);
      const config = destination(resources, property);
      expect(config.SecretsManagerConfiguration).toMatchObject({ Enabled: true, SecretARN: secret });
      for (const key of plaintext) expect(JSON.stringify(template)).not.toContain(`"${key}"`);
      const reads = Object.keys(resources).filter((id) =>
        JSON.stringify(resources[id]).includes('secretsmanager:GetSecretValue'),
      );
      expect(reads).toEqual(['DeliveryStreamRole']);
      const read = statements(resources, 'DeliveryStreamRole').find((statement) =>
        statement.Action.includes('secretsmanager:GetSecretValue'),
      );
      expect(read?.Resource).toBe(secret);
      expect(JSON.stringify(config.ProcessingConfiguration)).toContain(JSON.stringify(transformer));
    },
  );

  it('splunk: raw endpoint from pipeline.yml, failed events backed up to S3', async () => {
    const { resources } = deployedWith((await packaged('splunk')).template);
    expect(destination(resources, 'SplunkDestinationConfiguration')).toMatchObject({
      HECEndpoint: DESTINATION.splunkHecEndpoint,
      HECEndpointType: 'Raw',
      S3BackupMode: 'FailedEventsOnly',
      S3Configuration: { Prefix: 'splunk-failed/' },
    });
    expect(props(resources, 'DeliveryStream').DeliveryStreamType).toBe('DirectPut');
  });

  it('redshift: COPY into the table from the intermediate prefix, source records kept', async () => {
    const { resources } = deployedWith((await packaged('redshift')).template);
    expect(destination(resources, 'RedshiftDestinationConfiguration')).toMatchObject({
      ClusterJDBCURL: DESTINATION.redshiftJdbcUrl,
      CopyCommand: {
        DataTableName: 'telemetry.readings',
        DataTableColumns: 'device_id,device_type,timestamp,status,metrics,location',
        CopyOptions: expect.stringMatching(/ GZIP$/) as unknown,
      },
      S3Configuration: { Prefix: 'redshift-staging/', CompressionFormat: 'GZIP' },
      S3BackupMode: 'Enabled',
      S3BackupConfiguration: { Prefix: 'iot-source-records/' },
    });
  });
});

describe('sls package refuses bad input, naming it', () => {
  function badPipeline(): string {
    const dir = mkdtempSync(join(tmpdir(), 'bad-pipeline-'));
    const file = join(dir, 'pipeline.yml');
    writeFileSync(
      file,
      readFileSync(join(ROOT, 'pipeline.yml'), 'utf8')
        .replace('batchSize: 500', 'batchSize: 50000')
        .replace('schemas/clickstream.schema.json', join(ROOT, 'schemas/clickstream.schema.json')),
    );
    return file;
  }

  it.each<[string, () => { args: string[]; env: Record<string, string> }, RegExp]>([
    [
      'an invalid pipeline.yml',
      () => ({ args: [], env: { PIPELINE_FILE: badPipeline() } }),
      /consumer.batchSize: must be <= 10000/,
    ],
    [
      'a destination without its --param',
      () => ({ args: [], env: { PIPELINE_FILE: 'examples/opensearch/pipeline.yml' } }),
      /param openSearchDomainArn: delivery.destination opensearch needs it/,
    ],
    [
      'a log retention CloudWatch refuses',
      () => ({ args: params({ logRetentionDays: '10' }), env: {} }),
      /param logRetentionDays: must be one of 1, 3, 5/,
    ],
    [
      'the salt itself as a --param (it would land in the template and .serverless/)',
      () => ({ args: ['--stage', 'prod', ...params({ maskSalt: 'S3CR3T' })], env: {} }),
      /--param maskSalt is gone: the salt stays in Secrets Manager or SSM.*maskSaltParameter/,
    ],
    [
      'a salt given where its name belongs',
      () => ({ args: params({ maskSaltParameter: 'S3CR3T' }), env: {} }),
      /param maskSaltParameter: must be an SSM parameter name starting with \//,
    ],
    [
      'an attach --param that is not an ARN',
      () => ({ args: params({ existingStreamArn: 'my-stream' }), env: {} }),
      /param existingStreamArn: must be empty or a Kinesis stream ARN/,
    ],
  ])('%s', async (_case, input, message) => {
    const { args, env } = input();
    await expect(slsPackage(args, env)).rejects.toMatchObject({
      stdout: expect.stringMatching(message) as unknown,
    });
  });
});
