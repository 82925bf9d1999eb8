/**
 * An SSM SecureString read with Powertools Parameters (cached by it): loaded by secret-env.ts only when the
 * salt is kept in SSM rather than in the Secrets Manager secret the stack generates. `sls package` ships this
 * module as a file of its own beside the handler (lib/deploy/lazy-chunks.ts): the SSM client is the largest
 * in the SDK, and the default deploy never needs it.
 */
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';

export async function readSsmParameter(name: string): Promise<string | undefined> {
  return getParameter(name, { decrypt: true });
}
