/**
 * A stand-in for SSM's GetParameter and Secrets Manager's GetSecretValue, so the cold-start bench measures
 * what a deployed function does at its first invocation: load Powertools Parameters and the client, and read
 * the mask salt over HTTP (from the secret the stack generates by default, or an SSM SecureString).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

function answer(target: string, body: Record<string, unknown>, value: string): unknown {
  if (target.startsWith('secretsmanager.')) {
    const arn = String(body.SecretId);
    return {
      ARN: arn,
      Name: arn.split(':').pop(),
      SecretString: value,
      VersionId: 'v1',
      VersionStages: ['AWSCURRENT'],
    };
  }
  return { Parameter: { Name: body.Name, Type: 'SecureString', Value: value, Version: 1 } };
}

export async function startSecretStub(
  value: string,
): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '').toLowerCase();
      const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(answer(target, parsed, value)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
