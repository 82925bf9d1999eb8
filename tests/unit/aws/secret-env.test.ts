/**
 * The mask salt read at cold start (lib/aws/secret-env.ts) through Powertools Parameters, against mocked SSM
 * and Secrets Manager clients: read once per container, the environment variable winning where it is set
 * (local runs, tests), and a missing or unreadable parameter failing with its name and the way out.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SecretConfigError, saltVariables, withSecrets } from '../../../lib/aws/secret-env';
import { parsePipeline } from '../../../lib/pipeline/load';

const ssm = mockClient(SSMClient);
const secrets = mockClient(SecretsManagerClient);
const AWS = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'unit', AWS_SECRET_ACCESS_KEY: 'unit' };
const saved = { ...process.env };
let counter = 0;
// Powertools caches values by name for a few seconds: a fresh name per test keeps tests apart.
const fresh = (base: string) => `${base}-${(counter += 1)}`;

beforeAll(() => Object.assign(process.env, AWS));
afterAll(() => {
  process.env = saved;
  ssm.restore();
  secrets.restore();
});
beforeEach(() => {
  ssm.reset();
  secrets.reset();
});

const build = (env: NodeJS.ProcessEnv) => ({ salt: env.MASK_SALT });

describe('withSecrets', () => {
  it('reads an SSM SecureString once, decrypted, and keeps it across invocations', async () => {
    const name = fresh('/kinesis-pipeline/prod/mask-salt');
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: name, Value: 'from-ssm' } });

    const ready = withSecrets(['MASK_SALT'], build, { ...AWS, MASK_SALT_PARAMETER: name });
    const first = await ready();
    const second = await ready();

    expect(first).toEqual({ salt: 'from-ssm' });
    expect(second).toBe(first);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: name, WithDecryption: true });
  });

  it('reads a Secrets Manager secret when the parameter is a secret ARN', async () => {
    const arn = fresh('arn:aws:secretsmanager:eu-west-1:123456789012:secret:mask-salt-AbCdEf');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'from-secrets-manager' });

    const ready = withSecrets(['MASK_SALT'], build, { ...AWS, MASK_SALT_PARAMETER: arn });

    await expect(ready()).resolves.toEqual({ salt: 'from-secrets-manager' });
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: arn });
    expect(ssm).not.toHaveReceivedCommand(GetParameterCommand);
  });

  it('uses the environment variable where it is set, reading nothing and building at once', async () => {
    const calls: NodeJS.ProcessEnv[] = [];
    const ready = withSecrets(['MASK_SALT'], (env) => calls.push(env), {
      MASK_SALT: 'local',
      MASK_SALT_PARAMETER: '/x',
    });

    expect(calls).toHaveLength(1);
    await ready();
    expect(ssm).not.toHaveReceivedCommand(GetParameterCommand);
  });

  it('fails clearly when neither the variable nor its parameter is set', async () => {
    const ready = withSecrets(['MASK_SALT'], build, { ...AWS });

    const error = (await ready().catch((e: unknown) => e)) as Error;

    expect(error).toBeInstanceOf(SecretConfigError);
    expect(error.message).toMatch(/MASK_SALT is not set, and MASK_SALT_PARAMETER names no parameter/);
    expect(error.message).toMatch(/--param maskSaltParameter=/);
  });

  it('names the parameter and the way out when the read fails, and reads again on the next invocation', async () => {
    const name = fresh('/kinesis-pipeline/prod/mask-salt');
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' }))
      .resolves({ Parameter: { Name: name, Value: 'created-since' } });
    const ready = withSecrets(['MASK_SALT'], build, { ...AWS, MASK_SALT_PARAMETER: name });

    const error = (await ready().catch((e: unknown) => e)) as Error;

    expect(error).toBeInstanceOf(SecretConfigError);
    expect(error.message).toContain(
      `MASK_SALT: reading ${name} (MASK_SALT_PARAMETER) failed: ParameterNotFound`,
    );
    expect(error.message).toMatch(/role may read it.*put-parameter --type SecureString/);
    await expect(ready()).resolves.toEqual({ salt: 'created-since' });
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('refuses an empty secret', async () => {
    const name = fresh('/empty');
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: name, Value: '' } });

    await expect(withSecrets(['MASK_SALT'], build, { ...AWS, MASK_SALT_PARAMETER: name })()).rejects.toThrow(
      `MASK_SALT: ${name} (MASK_SALT_PARAMETER) is empty`,
    );
  });
});

const ANALYTICS = (records: string) => `analytics:
  sql: SELECT event_type, COUNT(*) AS n FROM stream GROUP BY event_type
  tumblingWindowInSeconds: 60
  records: ${records}
  sink: { type: s3, prefix: analytics/ }
`;

describe('saltVariables', () => {
  const pipeline = (extra: string) =>
    parsePipeline(
      `name: unit
stream: { name: s }
record: { schema: schemas/clickstream.schema.json }
transforms:
  - mask: { fields: [customer.email], saltFrom: MASK_SALT }
  - mask: { fields: [session_id], saltFrom: SESSION_SALT }
  - mask: { fields: [customer_id], saltFrom: MASK_SALT }
${extra}`,
      `${process.cwd()}/pipeline.yml`,
    ).config;

  it.each([
    ['streamConsumer', '', ['MASK_SALT', 'SESSION_SALT']],
    ['firehoseTransformer', '', ['MASK_SALT', 'SESSION_SALT']],
    ['partitionKeys', '', []],
    ['parquetConverter', '', []],
    ['windowAggregator', '', ['MASK_SALT', 'SESSION_SALT']],
    ['windowAggregator', ANALYTICS('transformed'), ['MASK_SALT', 'SESSION_SALT']],
    ['windowAggregator', ANALYTICS('validated'), []],
  ] as const)('%s reads the salts its transforms need (%#)', (fn, extra, expected) => {
    expect(saltVariables(fn, pipeline(extra))).toEqual(expected);
  });
});
