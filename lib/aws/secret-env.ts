/**
 * The mask salt in Lambda: pipeline.yml's `mask.saltFrom` names an environment variable (MASK_SALT); deployed,
 * that variable is absent and `<NAME>_PARAMETER` names where the salt is kept instead (an SSM SecureString
 * name or a Secrets Manager ARN), so the salt never sits in the template or `.serverless/`. It is read once
 * per container, at cold start (SSM through Powertools Parameters, Secrets Manager with its own client). Local
 * runs, `sls invoke local` and tests set the variable itself, which wins.
 */
import type { TransformStep } from '../transform/types';
import { readSecretString } from './secrets-manager';

/** What of pipeline.yml the salt rules read (PipelineConfig fits it; lib/aws sits below lib/pipeline). */
interface SaltConfig {
  transforms?: readonly TransformStep[];
  analytics?: { records?: string };
}

/** `MASK_SALT` → `MASK_SALT_PARAMETER`: the variable naming the secret that holds the value. */
export const parameterVariable = (name: string): string => `${name}_PARAMETER`;

export class SecretConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretConfigError';
  }
}

/** Which functions run pipeline.yml's transforms (and so its mask steps); the deploy grants only them. */
const RUNS_TRANSFORMS = {
  streamConsumer: () => true,
  firehoseTransformer: () => true,
  partitionKeys: () => false,
  parquetConverter: () => false,
  windowAggregator: (config: SaltConfig) => (config.analytics?.records ?? 'transformed') === 'transformed',
} as const satisfies Record<string, (config: SaltConfig) => boolean>;

export type TransformingFunction = keyof typeof RUNS_TRANSFORMS;

export const isTransformingFunction = (key: string): key is TransformingFunction =>
  Object.hasOwn(RUNS_TRANSFORMS, key);

/** The environment variables `fn`'s mask steps read their salt from (none for a function without transforms). */
export function saltVariables(fn: TransformingFunction, config: SaltConfig): string[] {
  if (!RUNS_TRANSFORMS[fn](config)) return [];
  const names = (config.transforms ?? []).flatMap((step) => ('mask' in step ? [step.mask.saltFrom] : []));
  return [...new Set(names)];
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:/;

export type SecretReader = (source: string) => Promise<string | undefined>;

/**
 * SSM SecureString (decrypted) by name, or a Secrets Manager secret by ARN. The SSM reader is a file of its own
 * in the package (lib/deploy/lazy-chunks.ts): the default, a secret the stack generates, needs only the small
 * Secrets Manager client (secrets-manager.ts), which shares the bundle's SDK core. It is imported statically: a
 * dynamic import() of it would keep every command of the client in the bundle (esbuild cannot tree-shake it).
 */
export const readSecret: SecretReader = async (source) => {
  if (SECRET_ARN.test(source)) return readSecretString(source);
  const { readSsmParameter } = await import('./ssm-parameter');
  return readSsmParameter(source);
};

const WAY_OUT =
  'Deploy with --param maskSaltParameter=<SSM SecureString name or Secrets Manager ARN> and create it ' +
  '(aws ssm put-parameter --type SecureString --name <name> --value <salt>); locally, set the variable itself.';

async function readOne(name: string, env: NodeJS.ProcessEnv, read: SecretReader): Promise<string> {
  const source = env[parameterVariable(name)];
  if (source === undefined || source === '') {
    throw new SecretConfigError(
      `${name} is not set, and ${parameterVariable(name)} names no parameter to read it from. ${WAY_OUT}`,
    );
  }
  let value: string | undefined;
  try {
    value = await read(source);
  } catch (error) {
    // Powertools wraps the SDK's error for SSM (GetParameterError): the SDK's names the problem.
    const wrapped = error as Error;
    const cause = wrapped.cause instanceof Error ? wrapped.cause : wrapped;
    throw new SecretConfigError(
      `${name}: reading ${source} (${parameterVariable(name)}) failed: ${cause.name}: ${cause.message}. ` +
        `Check that it exists in this account and region and that the function's role may read it. ${WAY_OUT}`,
      { cause },
    );
  }
  if (value === undefined || value === '') {
    throw new SecretConfigError(`${name}: ${source} (${parameterVariable(name)}) is empty. ${WAY_OUT}`);
  }
  return value;
}

/**
 * The environment the transforms read, each salt variable filled in: `undefined` when the environment has
 * them all already (nothing to wait for), else a promise of a copy with the secrets read.
 */
export function secretEnv(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  read: SecretReader = readSecret,
): Promise<NodeJS.ProcessEnv> | undefined {
  const missing = names.filter((name) => env[name] === undefined || env[name] === '');
  if (missing.length === 0) return undefined;
  return Promise.all(missing.map((name) => readOne(name, env, read))).then((values) => ({
    ...env,
    ...Object.fromEntries(missing.map((name, index) => [name, values[index]])),
  }));
}

/**
 * What a handler runs, built at cold start: right away when every salt is in the environment (a bad
 * pipeline.yml then fails the init, as before), else once the secrets are read. The read starts now and
 * happens once per container; a failed read fails that invocation with its SecretConfigError, and the
 * next invocation reads again (a parameter created or a permission granted since then is picked up).
 */
export function withSecrets<T>(
  names: readonly string[],
  build: (env: NodeJS.ProcessEnv) => T,
  env: NodeJS.ProcessEnv = process.env,
  read: SecretReader = readSecret,
): () => Promise<T> {
  const first = secretEnv(names, env, read);
  if (first === undefined) {
    const built = Promise.resolve(build(env));
    return () => built;
  }
  const start = (pending: Promise<NodeJS.ProcessEnv>): Promise<T> => {
    const started = pending.then(build);
    // Awaited by the next invocation; never an unhandled rejection while none runs.
    started.catch(() => undefined);
    return started;
  };
  let built = start(first);
  return async () => {
    try {
      return await built;
    } catch (error) {
      built = start(secretEnv(names, env, read)!);
      throw error;
    }
  };
}
