import type { HttpRequest } from '@smithy/types';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  createFirehoseClient,
  createKinesisClient,
  createS3Client,
  MAX_ATTEMPTS,
  isLocalEndpoint,
  resolveConfiguredEndpoint,
} from '../../../lib/aws/clients';

const base = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };

interface Observed {
  kinesisHttp1: boolean;
  s3PathStyle: boolean;
  s3Checksums: string;
}

async function observe(env: Record<string, string>): Promise<Observed> {
  const kinesis = createKinesisClient({ env, overrides: base });
  const s3 = createS3Client({ env, overrides: base });
  return {
    kinesisHttp1: kinesis.config.requestHandler instanceof NodeHttpHandler,
    s3PathStyle: s3.config.forcePathStyle === true,
    s3Checksums: `${await s3.config.requestChecksumCalculation()}/${await s3.config.responseChecksumValidation()}`,
  };
}

const REMOTE: Observed = {
  kinesisHttp1: false,
  s3PathStyle: false,
  s3Checksums: 'WHEN_SUPPORTED/WHEN_SUPPORTED',
};
const LOCAL: Observed = { kinesisHttp1: true, s3PathStyle: true, s3Checksums: 'WHEN_REQUIRED/WHEN_REQUIRED' };

describe('client factories', () => {
  it.each<[string, Record<string, string>, Observed]>([
    ['no endpoint variables (AWS)', {}, REMOTE],
    ['AWS_ENDPOINT_URL on plain http', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }, LOCAL],
    ['AWS_ENDPOINT_URL on https', { AWS_ENDPOINT_URL: 'https://vpce.example.com' }, REMOTE],
    [
      'only AWS_ENDPOINT_URL_KINESIS',
      { AWS_ENDPOINT_URL_KINESIS: 'http://localhost:4568' },
      { ...REMOTE, kinesisHttp1: true },
    ],
    [
      'only AWS_ENDPOINT_URL_S3',
      { AWS_ENDPOINT_URL_S3: 'HTTP://localhost:5000' },
      { ...LOCAL, kinesisHttp1: false },
    ],
    [
      'a service variable on https overriding a local global one',
      { AWS_ENDPOINT_URL: 'http://localhost:4566', AWS_ENDPOINT_URL_S3: 'https://s3.example.com' },
      { ...REMOTE, kinesisHttp1: true },
    ],
    [
      'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
      { AWS_ENDPOINT_URL: 'http://localhost:4566', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      REMOTE,
    ],
  ])('with %s applies the matching quirks', async (_name, env, expected) => {
    expect(await observe(env)).toEqual(expected);
  });

  it('applies the quirks for an endpoint passed as an override', async () => {
    const kinesis = createKinesisClient({ env: {}, overrides: { ...base, endpoint: 'http://127.0.0.1:1' } });
    const s3 = createS3Client({ env: {}, overrides: { ...base, endpoint: 'http://127.0.0.1:2' } });

    expect(kinesis.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    expect(s3.config.forcePathStyle).toBe(true);
  });

  it('lets overrides win over the quirks', () => {
    const s3 = createS3Client({
      env: { AWS_ENDPOINT_URL: 'http://localhost:1' },
      overrides: { ...base, forcePathStyle: false },
    });

    expect(s3.config.forcePathStyle).toBe(false);
  });

  it.each([
    ['S3, by default', 's3', {}, MAX_ATTEMPTS.s3],
    ['S3, AWS_MAX_ATTEMPTS when set', 's3', { AWS_MAX_ATTEMPTS: '7' }, 7],
    ['Kinesis, by default', 'kinesis', {}, 1],
    [
      'Kinesis, even with AWS_MAX_ATTEMPTS (lib/sinks/retry.ts decides)',
      'kinesis',
      { AWS_MAX_ATTEMPTS: '7' },
      1,
    ],
    ['Firehose, even with AWS_MAX_ATTEMPTS', 'firehose', { AWS_MAX_ATTEMPTS: '7' }, 1],
  ] as const)('attempts per request: %s', async (_name, service, env, expected) => {
    // AWS_MAX_ATTEMPTS is read by the SDK from process.env itself.
    const saved = process.env.AWS_MAX_ATTEMPTS;
    Object.assign(process.env, env);
    try {
      const factories = { s3: createS3Client, kinesis: createKinesisClient, firehose: createFirehoseClient };
      const client = factories[service]({ env, overrides: base });
      expect(await client.config.maxAttempts()).toBe(expected);
    } finally {
      if (saved === undefined) delete process.env.AWS_MAX_ATTEMPTS;
      else process.env.AWS_MAX_ATTEMPTS = saved;
    }
  });

  it('leaves the endpoint to the SDK, which reads AWS_ENDPOINT_URL_KINESIS itself', async () => {
    // Prepare: a request handler that records where the SDK sends the request.
    const saved = process.env.AWS_ENDPOINT_URL_KINESIS;
    process.env.AWS_ENDPOINT_URL_KINESIS = 'http://127.0.0.1:45999';
    const seen: HttpRequest[] = [];
    const requestHandler = {
      handle: async (request: HttpRequest) => {
        seen.push(request);
        throw Object.assign(new Error('stop here'), { name: 'CapturedRequest' });
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
    try {
      const kinesis = createKinesisClient({ overrides: { ...base, requestHandler } });

      // Act
      await expect(kinesis.send(new ListStreamsCommand({}))).rejects.toThrow('stop here');

      // Assess
      expect(seen[0]).toMatchObject({ protocol: 'http:', hostname: '127.0.0.1', port: 45999 });
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_KINESIS;
      else process.env.AWS_ENDPOINT_URL_KINESIS = saved;
    }
  });
});

describe('resolveConfiguredEndpoint / isLocalEndpoint', () => {
  it.each([
    ['kinesis', {}, undefined, undefined],
    ['kinesis', { AWS_ENDPOINT_URL: 'http://a' }, undefined, 'http://a'],
    [
      'firehose',
      { AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_FIREHOSE: 'http://f' },
      undefined,
      'http://f',
    ],
    ['s3', { AWS_ENDPOINT_URL_KINESIS: 'http://k' }, undefined, undefined],
    ['s3', { AWS_ENDPOINT_URL_S3: '', AWS_ENDPOINT_URL: 'http://a' }, undefined, 'http://a'],
    ['s3', { AWS_ENDPOINT_URL: 'http://a' }, 'http://override', 'http://override'],
    ['s3', { AWS_ENDPOINT_URL: 'http://a' }, new URL('http://u:1/'), 'http://u:1/'],
  ] as const)('%s with %j and override %s → %s', (service, env, override, expected) => {
    expect(resolveConfiguredEndpoint(service, env, override)).toBe(expected);
  });

  it.each([
    [undefined, false],
    ['https://kinesis.us-east-1.amazonaws.com', false],
    ['http://localhost:4568', true],
  ])('%s is local = %s', (endpoint, expected) => {
    expect(isLocalEndpoint(endpoint)).toBe(expected);
  });
});
