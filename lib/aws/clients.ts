import type { FirehoseClient, FirehoseClientConfig } from '@aws-sdk/client-firehose';
import type { KinesisClient, KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { newFirehoseClient } from './firehose-client';
import { newKinesisClient } from './kinesis-client';

/**
 * Client factories. Endpoint, region and credentials come from the SDK's own configuration chain,
 * so `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` point a function at an emulator. The
 * factories read those variables only to decide the local-emulator quirks. Call them once per
 * cold start (module scope of a handler) and reuse the client.
 */

type Env = Readonly<Record<string, string | undefined>>;

export interface ClientFactoryOptions<Config> {
  /** Passed to the client constructor last, so they win over everything chosen here. */
  overrides?: Config;
  /** Where the endpoint variables are read; default `process.env`. */
  env?: Env;
}

export type AwsService = 'kinesis' | 'firehose' | 's3';

/** The SDK derives the variable suffix from the service id ("Kinesis" → `_KINESIS`). */
const ENDPOINT_VARIABLES: Record<AwsService, string> = {
  kinesis: 'AWS_ENDPOINT_URL_KINESIS',
  firehose: 'AWS_ENDPOINT_URL_FIREHOSE',
  s3: 'AWS_ENDPOINT_URL_S3',
};

/**
 * Attempts per SDK request: one retry layer decides (docs/retries.md). Kinesis and Firehose are written
 * through lib/sinks/retry.ts, which resends whole calls that failed transiently and the single entries a
 * response refused, up to its own maxAttempts; the SDK sends each of those requests once, so a chunk costs
 * at most that many requests (3 SDK attempts under 4 resends made 12). S3 has no retry of its own: the
 * SDK's standard 3, or AWS_MAX_ATTEMPTS when set.
 */
export const MAX_ATTEMPTS = { kinesis: 1, firehose: 1, s3: 3 } as const satisfies Record<AwsService, number>;

/** Applied to every HTTP/1.1 handler built here: fail fast on dead hosts and stalled sockets. */
export const HTTP_TIMEOUTS = { connectionTimeout: 5_000, socketTimeout: 60_000 } as const;

/**
 * The endpoint the SDK will use, as far as this decision needs: an explicit `endpoint` string
 * override, else the service variable, else `AWS_ENDPOINT_URL`, unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is set (the SDK's precedence; endpoints in the shared
 * config file are not consulted).
 */
export function resolveConfiguredEndpoint(
  service: AwsService,
  env: Env = process.env,
  override?: unknown,
): string | undefined {
  if (typeof override === 'string') return override;
  if (override instanceof URL) return override.href;
  if (override !== undefined) return undefined;
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return undefined;
  return env[ENDPOINT_VARIABLES[service]] || env.AWS_ENDPOINT_URL || undefined;
}

/** Local emulators speak plain HTTP; AWS endpoints are always HTTPS. */
export function isLocalEndpoint(endpoint: string | undefined): boolean {
  return endpoint !== undefined && endpoint.toLowerCase().startsWith('http://');
}

function baseConfig(service: AwsService, env: Env): { maxAttempts?: number } {
  // For S3, AWS_MAX_ATTEMPTS when set is the SDK's to apply; Kinesis and Firehose retry in lib/sinks/retry.ts.
  if (service === 's3' && env.AWS_MAX_ATTEMPTS) return {};
  return { maxAttempts: MAX_ATTEMPTS[service] };
}

/** Quirks per service, applied only when the endpoint is a plain-HTTP emulator. */
const LOCAL_QUIRKS = {
  // kinesis-local fails HTTP/2 (ERR_HTTP2_ERROR) and the Kinesis client defaults to it.
  kinesis: (): KinesisClientConfig => ({ requestHandler: new NodeHttpHandler(HTTP_TIMEOUTS) }),
  firehose: (): FirehoseClientConfig => ({}),
  // s3rver has no virtual hosts, and stores streamed uploads corrupted with default checksums.
  s3: (): S3ClientConfig => ({
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  }),
} satisfies Record<AwsService, () => object>;

function configFor<Config extends { endpoint?: unknown }>(
  service: AwsService,
  defaults: Config,
  options: ClientFactoryOptions<Config>,
): Config {
  const env = options.env ?? process.env;
  const overrides = options.overrides ?? ({} as Config);
  const local = isLocalEndpoint(resolveConfiguredEndpoint(service, env, overrides.endpoint));
  return {
    ...baseConfig(service, env),
    ...defaults,
    ...(local ? LOCAL_QUIRKS[service]() : {}),
    ...overrides,
  };
}

export function createKinesisClient(options: ClientFactoryOptions<KinesisClientConfig> = {}): KinesisClient {
  // Remote Kinesis keeps the SDK's HTTP/2 handler.
  return newKinesisClient(configFor('kinesis', {}, options));
}

export function createFirehoseClient(
  options: ClientFactoryOptions<FirehoseClientConfig> = {},
): FirehoseClient {
  return newFirehoseClient(configFor('firehose', { requestHandler: HTTP_TIMEOUTS }, options));
}

export function createS3Client(options: ClientFactoryOptions<S3ClientConfig> = {}): S3Client {
  return new S3Client(configFor('s3', { requestHandler: HTTP_TIMEOUTS }, options));
}

/** The clients a function may use, each built on first use (a function that never writes to Kinesis never builds one). */
export interface AwsClients {
  s3: () => S3Client;
  firehose: () => FirehoseClient;
  kinesis: () => KinesisClient;
}

function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}

/** Lazily built default clients; the ones given (mocks in tests, emulator clients locally) win. */
export function lazyClients(given: Partial<AwsClients> = {}): AwsClients {
  return {
    s3: given.s3 ?? once(() => createS3Client()),
    firehose: given.firehose ?? once(() => createFirehoseClient()),
    kinesis: given.kinesis ?? once(() => createKinesisClient()),
  };
}
