/**
 * An SSM SecureString read with Powertools Parameters: loaded by secret-env.ts only when the salt is kept in
 * SSM rather than in the Secrets Manager secret the stack generates. `sls package` ships this module as a file
 * of its own beside the handler (lib/deploy/lazy-chunks.ts): the SSM client is the largest in the SDK, and the
 * default deploy never needs it.
 */
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SECRET_READ_TIMEOUTS, type SecretReadTimeouts } from './secret-read-timeouts';

export async function readSsmParameter(
  name: string,
  timeouts: SecretReadTimeouts = SECRET_READ_TIMEOUTS,
): Promise<string | undefined> {
  const provider = new SSMProvider({ clientConfig: { requestHandler: timeouts } });
  return provider.get(name, { decrypt: true });
}
