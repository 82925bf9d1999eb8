/**
 * lib/deploy pieces in-process (no `sls`): stage settings and `--param` checks, the attach Conditions,
 * the non-S3 destinations' rules, the Glue layout, lifecycle prefixes, and stages that differ only by params.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { lifecyclePrefixes } from '../../../lib/deploy/base';
import { destinationParams, destinationProblems } from '../../../lib/deploy/destinations';
import type { FirehoseDeployContext } from '../../../lib/deploy/firehose';
import { dateProjectionUnit, partitionLayout } from '../../../lib/deploy/glue';
import { deployTemplate } from '../../../lib/deploy/index';
import { checkAttachParams, DEFAULT_SETTINGS, resolveSettings } from '../../../lib/deploy/settings';
import { loadPipeline, parsePipeline, type LoadedPipeline } from '../../../lib/pipeline/load';
import type { DeliveryConfig } from '../../../lib/pipeline/types';

type Json = Record<string, unknown>;

const ROOT = resolve(__dirname, '../../..');
const sample = loadPipeline(resolve(ROOT, 'pipeline.yml'));

function context(
  pipeline: LoadedPipeline,
  extra: Partial<FirehoseDeployContext> = {},
): FirehoseDeployContext {
  return {
    pipeline,
    service: 'kinesis-pipeline',
    stage: 'dev',
    existingStreamArn: '',
    existingBucketName: '',
    existingDeliveryStreamName: '',
    ...extra,
  };
}

/** The sample pipeline with its delivery block merged with `delivery` and top-level blocks replaced. */
function withDelivery(delivery: Json, blocks: Json = {}): LoadedPipeline {
  const document = parse(readFileSync(resolve(ROOT, 'pipeline.yml'), 'utf8')) as Json;
  const merged: Json = { ...document, delivery: { ...(document.delivery as Json), ...delivery }, ...blocks };
  for (const [key, value] of Object.entries(merged)) if (value === null) delete merged[key];
  return parsePipeline(stringify(merged), resolve(ROOT, 'pipeline.variant.yml'));
}

describe('resolveSettings', () => {
  it('fills defaults and reads the numbers serverless passes as strings', () => {
    expect(resolveSettings({})).toEqual(DEFAULT_SETTINGS);
    expect(resolveSettings({ logRetentionDays: '90', rawRetentionDays: 0 })).toMatchObject({
      logRetentionDays: 90,
      rawRetentionDays: 0,
    });
  });

  it.each([
    [{ logRetentionDays: 10 }, /param logRetentionDays: must be one of 1, 3/],
    [{ rawRetentionDays: -1 }, /param rawRetentionDays: must be an integer from 0/],
    [{ iteratorAgeAlarmSeconds: 'soon' }, /param iteratorAgeAlarmSeconds: must be an integer/],
    [{ alarmTopicArn: 'my-topic' }, /param alarmTopicArn: must be empty or an SNS topic ARN/],
  ])('refuses %j, naming the param', (raw, message) => {
    expect(() => resolveSettings(raw)).toThrow(message);
  });
});

describe('checkAttachParams', () => {
  it('accepts empty values and well-formed ones', () => {
    const given = {
      existingStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/s',
      existingBucketName: 'my-lake',
      existingDeliveryStreamName: '',
    };
    expect(checkAttachParams(given)).toEqual(given);
  });

  it.each([
    [{ existingStreamArn: 'stream/s' }, /existingStreamArn: must be empty or a Kinesis stream ARN/],
    [{ existingBucketName: 'My_Bucket' }, /existingBucketName: must be empty or an S3 bucket name/],
    [{ existingDeliveryStreamName: 'a b' }, /existingDeliveryStreamName: must be empty or a Firehose/],
  ])('refuses %j', (raw, message) => {
    expect(() => checkAttachParams(raw)).toThrow(message);
  });
});

describe('attach Conditions', () => {
  const template = deployTemplate(context(sample));
  const resources = template.resources as Record<string, { Condition?: string; Properties: Json }>;

  it('declares one stack parameter and one Condition per attachable resource', () => {
    expect(Object.keys(template.parameters)).toEqual([
      'ExistingStreamArn',
      'ExistingBucketName',
      'ExistingDeliveryStreamName',
    ]);
    expect(template.conditions.CreateStream).toEqual({ 'Fn::Equals': [{ Ref: 'ExistingStreamArn' }, ''] });
  });

  it.each([
    ['PipelineStream', 'CreateStream'],
    ['PipelineBucket', 'CreateBucket'],
    ['PipelineBucketPolicy', 'CreateBucket'],
    ['DeliveryStream', 'CreateDeliveryStream'],
    ['DeliveryStreamRole', 'CreateDeliveryStream'],
    ['DeliveryStreamLogGroup', 'CreateDeliveryStream'],
  ])('creates %s only under %s', (id, condition) => {
    expect(resources[id]?.Condition).toBe(condition);
  });

  it('switches references with Fn::If and moves the event source into an extension', () => {
    expect(resources.DeliveryStream!.Properties.KinesisStreamSourceConfiguration).toMatchObject({
      KinesisStreamARN: {
        'Fn::If': ['CreateStream', { 'Fn::GetAtt': ['PipelineStream', 'Arn'] }, { Ref: 'ExistingStreamArn' }],
      },
    });
    expect(template.extensions.StreamConsumerEventSourceMappingKinesisPipelineStream).toEqual({
      Properties: {
        EventSourceArn: {
          'Fn::If': [
            'CreateStream',
            { 'Fn::GetAtt': ['PipelineStream', 'Arn'] },
            { Ref: 'ExistingStreamArn' },
          ],
        },
      },
    });
  });

  it.each([
    [
      'existingStreamArn',
      'ExistingStreamArn',
      'arn:aws:kinesis:eu-west-1:123456789012:stream/theirs',
      'PipelineStream',
    ],
    ['existingBucketName', 'ExistingBucketName', 'their-lake', 'PipelineBucket'],
    ['existingDeliveryStreamName', 'ExistingDeliveryStreamName', 'theirs', 'DeliveryStream'],
  ])('takes --param %s as the default of %s, and still describes %s', (param, parameter, value, id) => {
    expect(template.parameters[parameter]).toMatchObject({ Default: '' });
    const attached = deployTemplate(context(sample, { [param]: value }));
    expect(attached.parameters[parameter]).toMatchObject({ Default: value });
    expect(attached.resources).toHaveProperty(id);
  });
});

describe('destinations', () => {
  const base = { prefix: 'failed/', errorOutputPrefix: 'errors/!{firehose:error-output-type}/' };

  it.each<[string, Json, RegExp[]]>([
    [
      'splunk with the default 64 MB buffer',
      { ...base, destination: { type: 'splunk' }, buffering: { sizeMB: 64, intervalSeconds: 300 } },
      [
        /sizeMB: is 64, but Splunk accepts at most 5/,
        /intervalSeconds: is 300, but Splunk accepts at most 60/,
      ],
    ],
    [
      'opensearch with dynamic partitioning',
      { destination: { type: 'opensearch', indexName: 'i' }, buffering: { sizeMB: 64, intervalSeconds: 60 } },
      [/delivery.prefix: opensearch does not support dynamic partitioning/],
    ],
    [
      'redshift with Snappy',
      { ...base, destination: { type: 'redshift', table: 't' }, compression: 'Snappy' },
      [/delivery.compression: is Snappy, but Redshift COPY reads only UNCOMPRESSED or GZIP/],
    ],
    [
      'opensearch behind partitionKeys',
      {
        ...base,
        destination: { type: 'opensearch', indexName: 'i' },
        processor: { function: 'partitionKeys' },
      },
      [/delivery.processor.function: partitionKeys only adds partition keys/],
    ],
  ])('%s: refused, naming the field', (_case, delivery, messages) => {
    const pipeline = withDelivery(delivery);
    expect(destinationProblems(pipeline.config.delivery!)).toEqual(
      messages.map((m) => expect.stringMatching(m)),
    );
    expect(() =>
      deployTemplate(
        context(pipeline, {
          destinationParams: {
            openSearchDomainArn: 'arn:aws:es:eu-west-1:123456789012:domain/d',
            redshiftJdbcUrl: 'jdbc:redshift://h:5439/db',
            redshiftCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:r-AbCdEf',
            splunkHecEndpoint: 'https://h',
            splunkHecTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf',
          },
        }),
      ),
    ).toThrow(messages[0]!);
  });

  it.each([
    ['opensearch', {}, /param openSearchDomainArn: delivery.destination opensearch needs it/],
    [
      'opensearch',
      { openSearchDomainArn: 'clickstream' },
      /param openSearchDomainArn: must be an OpenSearch domain ARN/,
    ],
    [
      'splunk',
      {
        splunkHecEndpoint: 'http://h',
        splunkHecTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:x',
      },
      /splunkHecEndpoint: must be the HTTPS URL[\s\S]*splunkHecTokenSecretArn: must be the full ARN/,
    ],
  ])('%s: --param %j refused', (type, raw, message) => {
    const delivery = { destination: { type, indexName: 'i' } } as unknown as DeliveryConfig;
    expect(() => destinationParams(delivery, raw)).toThrow(message);
  });

  it('asks S3 for no --param', () => {
    expect(destinationParams(sample.config.delivery, {})).toEqual({});
  });
});

describe('Glue layout', () => {
  it.each([
    ['yyyy-MM-dd', 'DAYS'],
    ["yyyy/MM/dd/'h'HH", 'HOURS'],
    ['yyyy-MM', 'MONTHS'],
    ['yyyy', 'YEARS'],
    ['yyyy-MM-dd HH:mm', 'MINUTES'],
    ['EEE', undefined],
    ['yyyy-ww', undefined],
  ])('date pattern %s projects by %s', (pattern, unit) => {
    expect(dateProjectionUnit(pattern)).toBe(unit);
  });

  it('follows the delivery prefix below the conversion input prefix', () => {
    expect(partitionLayout(sample.config)).toEqual({
      keys: sample.config.partitioning!.keys,
      template: 'event_type=${event_type}/dt=${dt}/',
    });
  });

  it('leaves a table unpartitioned when the prefix holds a Firehose timestamp', () => {
    const pipeline = withDelivery(
      { prefix: 'raw/!{partitionKeyFromLambda:event_type}/!{timestamp:yyyy}/' },
      { partitioning: { keys: [{ name: 'event_type', path: 'event_type' }] } },
    );
    expect(partitionLayout(pipeline.config)).toBeUndefined();
  });

  it('uses Hive-style folders in key order when no delivery writes the input prefix', () => {
    const pipeline = withDelivery({
      prefix: 'elsewhere/!{partitionKeyFromLambda:event_type}/dt=!{partitionKeyFromLambda:dt}/',
    });
    expect(partitionLayout(pipeline.config)?.template).toBe('event_type=${event_type}/dt=${dt}/');
  });
});

describe('lifecyclePrefixes', () => {
  it('expires raw input and error prefixes, one rule per prefix not inside another', () => {
    const { conversion, consumer } = sample.config;
    expect(lifecyclePrefixes(sample.config)).toEqual({
      raw: [conversion!.inputPrefix],
      errors: [consumer!.errorPrefix, 'errors/'],
    });
  });

  it('counts what another destination backs up as failures, not data', () => {
    const pipeline = withDelivery(
      { prefix: 'failed/', destination: { type: 'opensearch', indexName: 'i' } },
      { partitioning: null },
    );
    expect(lifecyclePrefixes(pipeline.config).errors).toContain('failed/');
    expect(lifecyclePrefixes(pipeline.config).raw).not.toContain('failed/');
  });
});

describe('stages', () => {
  const yaml = parse(readFileSync(resolve(ROOT, 'serverless.yml'), 'utf8')) as {
    params: Record<string, Record<string, unknown>>;
  };
  const stageParams = (stage: string) => ({ ...yaml.params.default, ...yaml.params[stage] });

  it('set only known params (settings, log level, mask salt)', () => {
    const known = new Set([...Object.keys(DEFAULT_SETTINGS), 'logLevel', 'maskSalt']);
    for (const stage of ['dev', 'prod']) {
      expect(Object.keys(yaml.params[stage]!).filter((name) => !known.has(name))).toEqual([]);
    }
  });

  it('dev and prod templates differ only in retention and alarm values', () => {
    // Prepare: the same stage name, so only the params differ
    const template = (stage: string) =>
      deployTemplate({ ...context(sample), stage: 'same', settings: resolveSettings(stageParams(stage)) });

    // Act
    const differences: string[] = [];
    const compare = (a: unknown, b: unknown, path: string): void => {
      if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
        for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
          compare((a as Json)[key], (b as Json)[key], `${path}.${key}`);
      } else if (a !== b) differences.push(path);
    };
    compare(template('dev'), template('prod'), '');

    // Assess
    expect(differences.length).toBeGreaterThan(0);
    expect(
      differences.filter(
        (path) => !/\.(RetentionInDays|ExpirationInDays|Threshold|AlarmDescription)$/.test(path),
      ),
    ).toEqual([]);
  });
});
