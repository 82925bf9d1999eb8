/**
 * A Secrets Manager secret's string, read with the SDK client directly: the salt is read once per container
 * (lib/aws/secret-env.ts keeps it), so Powertools' cache adds nothing, and its secrets module pulls the whole
 * Secrets Manager client into the bundle (every command and the aggregated client). Imported by name here, the
 * bundle keeps the client and GetSecretValue only: 21 KB less to parse at every cold start.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SECRET_READ_TIMEOUTS, type SecretReadTimeouts } from './secret-read-timeouts';

export async function readSecretString(
  secretId: string,
  timeouts: SecretReadTimeouts = SECRET_READ_TIMEOUTS,
): Promise<string | undefined> {
  const client = new SecretsManagerClient({ requestHandler: timeouts });
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    return SecretString;
  } finally {
    // One read per container: no socket kept open for a client that will not be used again.
    client.destroy();
  }
}
