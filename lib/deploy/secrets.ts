/**
 * The mask salt, deployed by reference: each function that runs mask steps gets `<saltFrom>_PARAMETER` (the
 * SSM SecureString name or Secrets Manager ARN of `--param maskSaltParameter`, or else the ARN of a secret
 * the stack creates with a generated value) and read access to exactly that resource; the salt itself never
 * enters the template or `.serverless/` (lib/aws/secret-env.ts reads it at cold start). `sls invoke local`
 * runs without AWS: the variable comes from the shell, as before.
 */
import { isTransformingFunction, parameterVariable, saltVariables } from '../aws/secret-env';
import type { DeployContext, Intrinsic, Statement } from './common';

/**
 * What `--param maskSaltParameter` accepts: empty (the stack generates the salt in Secrets Manager), a
 * `/`-rooted SSM name (a salt typed there by mistake fails) or a secret ARN.
 */
export const MASK_SALT_PARAMETER = {
  pattern:
    /^$|^(\/[a-zA-Z0-9_.\-/]{1,1010}|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[a-zA-Z0-9/_+=.@-]+)$/,
  what: 'an SSM parameter name starting with / or a Secrets Manager secret ARN (the name of the salt, never the salt)',
};

/** The secret the stack creates when `--param maskSaltParameter` is empty. */
export const GENERATED_SALT_SECRET = 'MaskSaltSecret';

/**
 * A Secrets Manager secret whose value AWS generates at create time: a fresh account deploys with no step
 * of its own, and no salt is ever typed or stored outside the secret. Retained on stack deletion and
 * replacement: a new salt would change every masked value from then on.
 */
function generatedSaltSecret(context: Pick<DeployContext, 'service' | 'stage'>): Record<string, unknown> {
  return {
    Type: 'AWS::SecretsManager::Secret',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      Description: `Mask salt of ${context.service} (${context.stage}): the HMAC key of pipeline.yml's mask steps`,
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    },
  };
}

/** What `--param maskSaltKmsKeyArn` accepts: empty (AWS managed key) or a KMS key ARN. */
export const KMS_KEY_ARN = /^$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-zA-Z0-9-]+$/;

/** When `sls invoke local` runs without MASK_SALT in the shell. */
export const INVOKE_LOCAL_SALT = 'invoke-local-only-mask-salt';

export interface SecretParams {
  maskSaltParameter: string;
  maskSaltKmsKeyArn: string;
}

/** Checks the params at package time, each problem naming its `--param`. */
export function checkSecretParams(params: Readonly<Record<string, unknown>>): SecretParams {
  const problems: string[] = [];
  const { maskSaltParameter = '', maskSaltKmsKeyArn = '' } = params;
  if (typeof maskSaltParameter !== 'string' || !MASK_SALT_PARAMETER.pattern.test(maskSaltParameter)) {
    // Never echo the value: it may be the salt itself.
    problems.push(`param maskSaltParameter: must be ${MASK_SALT_PARAMETER.what}`);
  }
  if (typeof maskSaltKmsKeyArn !== 'string' || !KMS_KEY_ARN.test(maskSaltKmsKeyArn)) {
    problems.push(
      `param maskSaltKmsKeyArn: must be empty or a KMS key ARN, got ${JSON.stringify(maskSaltKmsKeyArn)}`,
    );
  }
  if (problems.length > 0) throw new Error(`invalid secret parameters:\n  - ${problems.join('\n  - ')}`);
  return { maskSaltParameter: maskSaltParameter as string, maskSaltKmsKeyArn: maskSaltKmsKeyArn as string };
}

function readStatements(source: string | Intrinsic, kmsKeyArn: string): Statement[] {
  const secret = typeof source !== 'string' || source.startsWith('arn:');
  const resource: Intrinsic = secret
    ? source
    : { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${source}` };
  const statements: Statement[] = [
    {
      Effect: 'Allow',
      Action: secret ? ['secretsmanager:GetSecretValue'] : ['ssm:GetParameter'],
      Resource: resource,
    },
  ];
  // The AWS managed keys (aws/ssm, aws/secretsmanager) need no grant; a customer managed key does.
  if (kmsKeyArn !== '') statements.push({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: kmsKeyArn });
  return statements;
}

type Role = { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } };

/** Adds the salt's reference and read access to each function that masks. */
export function applyMaskSalt(
  context: DeployContext,
  template: {
    functions: Record<string, Record<string, unknown> | undefined>;
    resources: Record<string, unknown>;
  },
): void {
  for (const [key, fn] of Object.entries(template.functions)) {
    if (fn === undefined || !isTransformingFunction(key)) continue;
    const names = saltVariables(key, context.pipeline.config);
    if (names.length === 0) continue;
    const environment = fn.environment as Record<string, unknown>;
    if (context.invokeLocal) {
      for (const name of names) environment[name] = process.env[name] || INVOKE_LOCAL_SALT;
      continue;
    }
    const { maskSaltParameter, maskSaltKmsKeyArn } = context.secrets ?? checkSecretParams({});
    let source: string | Intrinsic = maskSaltParameter;
    if (source === '') {
      template.resources[GENERATED_SALT_SECRET] ??= generatedSaltSecret(context);
      source = { Ref: GENERATED_SALT_SECRET };
    }
    for (const name of names) environment[parameterVariable(name)] = source;
    const role = template.resources[fn.role as string] as Role;
    role.Properties.Policies[0]!.PolicyDocument.Statement.push(...readStatements(source, maskSaltKmsKeyArn));
  }
}
