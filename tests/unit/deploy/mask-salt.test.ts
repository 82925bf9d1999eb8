/**
 * The mask salt deployed by reference (lib/deploy/secrets.ts): the functions that mask get the parameter's
 * name and read access to exactly it; the others get neither; a value that is not a name fails the package
 * without being echoed.
 */
import { resolve } from 'node:path';
import { deployTemplate } from '../../../lib/deploy/index';
import { checkSecretParams } from '../../../lib/deploy/secrets';
import { loadPipeline } from '../../../lib/pipeline/load';

type Json = Record<string, unknown>;
const pipeline = loadPipeline(resolve(__dirname, '../../..', 'pipeline.yml'));

function template(secrets?: { maskSaltParameter: string; maskSaltKmsKeyArn: string }, invokeLocal = false) {
  return deployTemplate({
    pipeline,
    service: 'kinesis-pipeline',
    stage: 'prod',
    existingStreamArn: '',
    existingBucketName: '',
    existingDeliveryStreamName: '',
    secrets,
    invokeLocal,
  });
}

function statements(resources: Json, role: string): Json[] {
  const properties = (
    resources[role] as { Properties: { Policies: { PolicyDocument: { Statement: Json[] } }[] } }
  ).Properties;
  return properties.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

const MASKING = ['streamConsumer', 'firehoseTransformer', 'windowAggregator'];

describe.each([
  [
    'the stage default (SSM)',
    undefined,
    'ssm:GetParameter',
    {
      'Fn::Sub':
        'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/kinesis-pipeline/prod/mask-salt',
    },
    '/kinesis-pipeline/prod/mask-salt',
  ],
  [
    'a Secrets Manager ARN',
    {
      maskSaltParameter: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:salt-AbC',
      maskSaltKmsKeyArn: '',
    },
    'secretsmanager:GetSecretValue',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:salt-AbC',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:salt-AbC',
  ],
])('%s', (_name, secrets, action, resource, reference) => {
  const { functions, resources } = template(secrets);

  it.each(Object.keys(functions))('%s: the reference and read access only where it masks', (key) => {
    const fn = functions[key as keyof typeof functions] as { role: string; environment: Json };
    const reads = statements(resources, fn.role).filter((s) =>
      JSON.stringify(s.Action).match(/ssm|secretsmanager|kms/),
    );
    expect(fn.environment).not.toHaveProperty('MASK_SALT');
    if (MASKING.includes(key)) {
      expect(fn.environment.MASK_SALT_PARAMETER).toBe(reference);
      expect(reads).toEqual([{ Effect: 'Allow', Action: [action], Resource: resource }]);
    } else {
      expect(fn.environment).not.toHaveProperty('MASK_SALT_PARAMETER');
      expect(reads).toEqual([]);
    }
  });
});

it('grants kms:Decrypt on exactly the customer managed key given', () => {
  const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const { functions, resources } = template({ maskSaltParameter: '/salt', maskSaltKmsKeyArn: key });

  const role = (functions.streamConsumer as { role: string }).role;
  expect(statements(resources, role)).toContainEqual({
    Effect: 'Allow',
    Action: ['kms:Decrypt'],
    Resource: key,
  });
});

it('sls invoke local takes the salt from the shell, with no parameter to read', () => {
  const { functions } = template(undefined, true);
  expect((functions.streamConsumer as { environment: Json }).environment).toMatchObject({
    MASK_SALT: expect.any(String),
  });
  expect((functions.streamConsumer as { environment: Json }).environment).not.toHaveProperty(
    'MASK_SALT_PARAMETER',
  );
});

it.each([
  [
    { maskSaltParameter: 'S3CR3T' },
    /param maskSaltParameter: must be an SSM parameter name starting with \//,
  ],
  [{ maskSaltKmsKeyArn: 'alias/mine' }, /param maskSaltKmsKeyArn: must be empty or a KMS key ARN/],
])('refuses %j, never echoing a salt typed by mistake', (params, message) => {
  expect(() => checkSecretParams(params)).toThrow(message);
  expect(() => checkSecretParams({ maskSaltParameter: 'S3CR3T' })).not.toThrow(/S3CR3T/);
});
