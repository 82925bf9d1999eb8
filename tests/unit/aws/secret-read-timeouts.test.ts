/**
 * The salt reads at cold start (Secrets Manager, SSM) against a real HTTP server that takes the connection and
 * never answers (a socket left dead by a freeze and thaw): each read fails with a TimeoutError after the SDK's
 * attempts, instead of leaving every invocation of the container waiting on it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SECRET_READ_TIMEOUTS } from '../../../lib/aws/secret-read-timeouts';
import { readSecretString } from '../../../lib/aws/secrets-manager';
import { readSsmParameter } from '../../../lib/aws/ssm-parameter';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mask-salt-AbCdEf';
const STALL = { connectionTimeout: 1_000, socketTimeout: 300 };
let server: Server;
let requests: IncomingMessage[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  // Reads each request and never answers it.
  server = createServer((request) => {
    requests.push(request);
    request.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'unit',
    AWS_SECRET_ACCESS_KEY: 'unit',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_ENDPOINT_URL_SSM: endpoint,
    AWS_MAX_ATTEMPTS: '2',
  });
});
beforeEach(() => {
  requests = [];
});
afterAll(async () => {
  process.env = saved;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The error the SDK threw: Powertools wraps it for SSM (secret-env.ts reads the cause the same way). */
async function failureOf(read: Promise<unknown>): Promise<Error> {
  const error = await read.then(
    () => new Error('the read succeeded'),
    (thrown: Error) => thrown,
  );
  return error.cause instanceof Error ? error.cause : error;
}

it.each([
  ['Secrets Manager', () => readSecretString(ARN, STALL), 'secretsmanager.GetSecretValue'],
  ['SSM', () => readSsmParameter('/kinesis-pipeline/prod/mask-salt', STALL), 'AmazonSSM.GetParameter'],
])('fails a stalled %s read with a TimeoutError after the SDK has tried again', async (_, read, target) => {
  // Act
  const started = Date.now();
  const error = await failureOf(read());

  // Assess
  expect(error.name).toBe('TimeoutError');
  expect(requests.map((request) => request.headers['x-amz-target'])).toEqual([target, target]);
  expect(Date.now() - started).toBeLessThan(5_000);
});

it('gives up on a stalled socket in seconds by default, well inside a function timeout', () => {
  // The SDK's own default is 300,000 ms of inactivity; three attempts at ours stay under 20 s.
  expect(SECRET_READ_TIMEOUTS.socketTimeout).toBeLessThanOrEqual(5_000);
  expect(SECRET_READ_TIMEOUTS.connectionTimeout).toBeLessThanOrEqual(5_000);
});
