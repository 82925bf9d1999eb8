/**
 * `sls package` must work on a fresh machine with no AWS credentials and no network: it is how users and
 * CI check the deploy wiring. Runs the real CLI (osls) from node_modules.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
const SLS = join(ROOT, 'node_modules/.bin/sls');

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** An environment with no credentials, no AWS config files and a home of its own. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'sls-home-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    SLS_TELEMETRY_DISABLED: '1',
    ...extra,
  };
  return env;
}

async function slsPackage(args: string[] = [], extra: Record<string, string> = {}) {
  const out = mkdtempSync(join(tmpdir(), 'sls-package-'));
  const result = await run(SLS, ['package', '--package', out, ...args], {
    cwd: ROOT,
    env: offlineEnv(extra),
    timeout: 180_000,
    maxBuffer: 10 * 1024 * 1024,
  });
  const template = JSON.parse(
    readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  return { out, template, output: result.stdout + result.stderr };
}

function resourcesOfType(template: Template, type: string) {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The one resource of a type whose logical id contains `name`. */
function single(template: Template, type: string, name = '') {
  const found = resourcesOfType(template, type).filter(([id]) => id.includes(name));
  expect(found).toHaveLength(1);
  return found[0]![1];
}

describe('sls package (offline, no credentials)', () => {
  let template: Template;

  beforeAll(async () => {
    ({ template } = await slsPackage());
  }, 180_000);

  it('packages the stream consumer with its event source mapping as pipeline.yml describes it', () => {
    const mapping = single(template, 'AWS::Lambda::EventSourceMapping', 'StreamConsumer');
    expect(mapping.Properties).toMatchObject({
      BatchSize: 500,
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 3600,
      ParallelizationFactor: 1,
    });
    expect(mapping.Properties.DestinationConfig).toBeDefined();
    const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id);
    expect(functions).toContain('StreamConsumerLambdaFunction');
  });

  it('creates an encrypted stream, an encrypted queue and a locked-down bucket', () => {
    const stream = single(template, 'AWS::Kinesis::Stream');
    expect(stream.Properties.StreamEncryption).toEqual({
      EncryptionType: 'KMS',
      KeyId: 'alias/aws/kinesis',
    });
    const queue = single(template, 'AWS::SQS::Queue', 'StreamConsumer');
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const bucket = template.Resources.PipelineBucket!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true });
  });

  it('grants no wildcard action in any role', () => {
    const actions = resourcesOfType(template, 'AWS::IAM::Role').flatMap(([, role]) =>
      (
        role.Properties.Policies as { PolicyDocument: { Statement: { Action: string | string[] }[] } }[]
      ).flatMap((policy) => policy.PolicyDocument.Statement.flatMap((statement) => statement.Action)),
    );
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  it('attaches to an existing stream and bucket without creating them', async () => {
    const { template: attached } = await slsPackage([
      '--param',
      'existingStreamArn=arn:aws:kinesis:eu-west-1:123456789012:stream/existing',
      '--param',
      'existingBucketName=existing-bucket',
    ]);
    expect(resourcesOfType(attached, 'AWS::Kinesis::Stream')).toEqual([]);
    expect(resourcesOfType(attached, 'AWS::S3::Bucket').map(([id]) => id)).toEqual([
      'ServerlessDeploymentBucket',
    ]);
    const mapping = single(attached, 'AWS::Lambda::EventSourceMapping', 'StreamConsumer');
    expect(mapping.Properties.EventSourceArn).toBe('arn:aws:kinesis:eu-west-1:123456789012:stream/existing');
  }, 180_000);

  it('fails with the field named when pipeline.yml is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-pipeline-'));
    const file = join(dir, 'pipeline.yml');
    writeFileSync(
      file,
      readFileSync(join(ROOT, 'pipeline.yml'), 'utf8')
        .replace('batchSize: 500', 'batchSize: 50000')
        .replace('schemas/clickstream.schema.json', join(ROOT, 'schemas/clickstream.schema.json')),
    );
    await expect(slsPackage([], { PIPELINE_FILE: file })).rejects.toMatchObject({
      stdout: expect.stringMatching(/consumer.batchSize: must be <= 10000/) as unknown,
    });
  }, 180_000);
});
