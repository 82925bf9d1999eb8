/**
 * What the packaged functions get for `@aws-sdk/credential-provider-node` (lib/deploy/lazy-chunks.ts aliases it):
 * the SDK's default chain with its first link, the environment, built in. Lambda puts the function role's
 * credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, so a deployed function never goes
 * past it; the other links (SSO, ini files, web identity, metadata: about 90 KB with the STS, SSO and sign-in
 * clients they build) are parsed at every cold start for nothing. They stay one require() away, in the
 * credential-chain chunk, for anything else (AWS_PROFILE set, no credentials in the environment).
 */
import { ENV_KEY, ENV_SECRET, fromEnv } from '@aws-sdk/credential-provider-env';
import type { defaultProvider as chainProvider } from '@aws-sdk/credential-provider-node';

type DefaultProvider = typeof chainProvider;
type Init = Parameters<DefaultProvider>[0];
type Provider = ReturnType<DefaultProvider>;

/** The SDK's own chain, from its chunk (a file beside the bundle once packaged). */
function fullChain(): DefaultProvider {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./credential-chain') as { defaultProvider: DefaultProvider }).defaultProvider;
}

/** The SDK's rule: AWS_PROFILE (or a profile given) makes the chain skip the environment. */
const fromEnvironment = (init: Init, env: NodeJS.ProcessEnv): boolean =>
  !(init?.profile ?? env.AWS_PROFILE) && Boolean(env[ENV_KEY] && env[ENV_SECRET]);

/**
 * Same contract as the SDK's defaultProvider: memoized, and credentials with an expiration read again five
 * minutes before it (as its chain does); the decision between the environment and the chain is taken once.
 */
export const defaultProvider = (init: Init = {}): Provider => {
  if (!fromEnvironment(init, process.env)) return fullChain()(init);
  const read = fromEnv(init);
  let cached: ReturnType<Provider> | undefined;
  const provider = async (options?: Parameters<Provider>[0]) => {
    const credentials = await (cached ??= read(options));
    const expiring = credentials.expiration && credentials.expiration.getTime() - Date.now() < 300_000;
    if (expiring || options?.forceRefresh) {
      cached = read(options);
      return cached;
    }
    return credentials;
  };
  return provider as Provider;
};
