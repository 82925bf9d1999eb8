/**
 * Start/stop helpers for the local emulators, used by `kpipe local` and by every integration test. Nothing
 * global is set: each helper returns its endpoint, and callers pass it to the client factories (or scope
 * `AWS_ENDPOINT_URL_*` themselves with `withEnv`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';

export const LOCAL_REGION = 'us-east-1';
/**
 * s3rver only knows the key pair S3RVER/S3RVER (anything else: InvalidAccessKeyId); kinesis-local
 * accepts any key and files streams under account 000000000000. One pair serves both.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Client overrides for an emulator endpoint, for `create*Client({ env: {}, overrides })`. */
export function localOverrides(endpoint: string): {
  endpoint: string;
  region: string;
  credentials: typeof LOCAL_CREDENTIALS;
} {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
}

/** A free TCP port on 127.0.0.1 (released before returning; fine for tests on one machine). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * The Kinesis emulators a local run can use. kinesalite (LevelDB or memory, one Node process) takes
 * thousands of records per second; kinesis-mock (kinesis-local, Scala.js) a few hundred, but it knows
 * more of the API (stream consumers, UpdateShardCount). README's local-runtime section compares them.
 */
export const KINESIS_EMULATORS = ['kinesalite', 'kinesis-mock'] as const;
export type KinesisEmulatorName = (typeof KINESIS_EMULATORS)[number];
export const DEFAULT_KINESIS_EMULATOR: KinesisEmulatorName = 'kinesalite';

export function isKinesisEmulatorName(name: string): name is KinesisEmulatorName {
  return (KINESIS_EMULATORS as readonly string[]).includes(name);
}

export interface KinesisEmulator {
  name: KinesisEmulatorName;
  /** Plain-HTTP endpoint, e.g. `http://127.0.0.1:41234`. */
  endpoint: string;
  /** Recent emulator output, for failure messages. */
  output(): string;
  /** Resolves with how its process ended, if it ends other than by stop() (lib/local/emulator-watch.ts). */
  exited: Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3 s; 0 for a hung one). */
  stop(graceMs?: number): Promise<void>;
}

export interface KinesisEmulatorOptions {
  /** `INITIALIZE_STREAMS`, e.g. `"clicks:1,orders:2"` (streams are ACTIVE shortly after start). */
  initializeStreams?: string;
  /** `CREATE_STREAM_DURATION` etc. (default `100ms`, the emulator's own is 500ms). */
  operationDuration?: string;
  /** How long to wait for the emulator to answer (default 20 s; it starts in about 1 s). */
  startupTimeoutMs?: number;
  /** Extra environment for the emulator (e.g. `LOG_LEVEL`, `SHARD_LIMIT`). */
  env?: Record<string, string>;
  /** Fixed plain-HTTP port (default: a free one), e.g. to restart it where its clients point. */
  port?: number;
}

const KINESIS_DURATION_VARIABLES = [
  'CREATE_STREAM_DURATION',
  'DELETE_STREAM_DURATION',
  'UPDATE_SHARD_COUNT_DURATION',
  'SPLIT_SHARD_DURATION',
  'MERGE_SHARDS_DURATION',
  'REGISTER_STREAM_CONSUMER_DURATION',
  'DEREGISTER_STREAM_CONSUMER_DURATION',
];

function keepTail(buffer: string[], chunk: Buffer): void {
  buffer.push(chunk.toString('utf8'));
  if (buffer.length > 50) buffer.splice(0, buffer.length - 50);
}

async function waitForHttp(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited(child)) {
      throw new Error(
        `kinesis-local exited during startup (${child.exitCode ?? child.signalCode}):\n${output()}`,
      );
    }
    try {
      // Any HTTP answer (an auth error included) means the server is up.
      await fetch(url, { method: 'POST', signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await delay(100);
    }
  }
  throw new Error(`kinesis-local did not answer on ${url} within ${timeoutMs} ms:\n${output()}`);
}

/**
 * How a child ended, unless stop() ended it: `exited` stays pending for an intended stop, so a watch
 * reports only deaths.
 */
function endOf(child: ChildProcess): { exited: Promise<string>; stop: (graceMs?: number) => Promise<void> } {
  let stopping = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      if (!stopping) resolve(signal ? `killed by ${signal}` : `exit code ${code}`);
    });
  });
  return {
    exited,
    stop: (graceMs?: number) => {
      stopping = true;
      return stopChild(child, graceMs);
    },
  };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (exited(child)) return;
  await new Promise<void>((resolve) => {
    // SIGKILL only if SIGTERM is ignored; the timer is cleared so it holds no test runner open.
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * kinesis-local is also killed when this process exits normally: sooner than its stdin watch
 * (exit-with-parent.cjs), which covers the exits no handler sees (SIGKILL).
 */
function killOnExit(child: ChildProcess): void {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
}

/**
 * Starts kinesis-local (kinesis-mock compiled to JS) on free ports: `node main.js` from its package
 * folder, which holds the `server.json` certificate it loads relative to the working directory.
 */
export async function startKinesisLocal(options: KinesisEmulatorOptions = {}): Promise<KinesisEmulator> {
  const packageDir = dirname(require.resolve('kinesis-local/package.json'));
  const [plainPort, tlsPort] = [options.port ?? (await freePort()), await freePort()];
  const duration = options.operationDuration ?? '100ms';
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    KINESIS_MOCK_PLAIN_PORT: String(plainPort),
    KINESIS_MOCK_TLS_PORT: String(tlsPort),
    LOG_LEVEL: 'ERROR',
    AWS_REGION: LOCAL_REGION,
    ...Object.fromEntries(KINESIS_DURATION_VARIABLES.map((name) => [name, duration])),
    ...(options.initializeStreams ? { INITIALIZE_STREAMS: options.initializeStreams } : {}),
    ...options.env,
  };
  // Its own process group: a terminal Ctrl-C reaches only kpipe, which drains before stopping it. Its stdin
  // is our pipe, watched by the preloaded exit-with-parent.cjs: it dies with this process, even on SIGKILL.
  const child = spawn(process.execPath, ['-r', join(__dirname, 'exit-with-parent.cjs'), 'main.js'], {
    cwd: packageDir,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  killOnExit(child);
  const tail: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => keepTail(tail, chunk));
  child.stderr?.on('data', (chunk: Buffer) => keepTail(tail, chunk));
  const output = () => tail.join('');
  const endpoint = `http://127.0.0.1:${plainPort}`;
  try {
    await waitForHttp(endpoint, child, options.startupTimeoutMs ?? 20_000, output);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { name: 'kinesis-mock', endpoint, output, ...endOf(child) };
}

export interface KinesaliteOptions {
  /** LevelDB folder that keeps streams and records across runs; in memory without it. */
  path?: string;
  /** Fixed port (default: a free one). */
  port?: number;
  startupTimeoutMs?: number;
}

/**
 * Starts kinesalite in a child process (lib/local/kinesalite-server.cjs): it dies with this process, ignores
 * a terminal Ctrl-C (the run drains first), and answers ARN-addressed and on-demand requests as AWS does.
 */
export async function startKinesalite(options: KinesaliteOptions = {}): Promise<KinesisEmulator> {
  const settings = {
    ...(options.path && { path: options.path }),
    ...(options.port && { port: options.port }),
  };
  if (options.path) await mkdir(options.path, { recursive: true });
  const child = await startServerChild(
    'kinesalite',
    'kinesalite-server.cjs',
    settings,
    options.startupTimeoutMs ?? 20_000,
  );
  return { name: 'kinesalite', endpoint: `http://127.0.0.1:${child.port}`, ...child };
}

/**
 * Runs one of the lib/local/*-server.cjs scripts: it prints `{"port":N}` once listening, exits when its
 * stdin (our pipe) ends, so it dies with this process, and ignores a terminal Ctrl-C.
 */
async function startServerChild(
  label: string,
  script: string,
  settings: object,
  timeoutMs: number,
): Promise<{
  port: number;
  output(): string;
  exited: Promise<string>;
  stop(graceMs?: number): Promise<void>;
}> {
  const child = spawn(process.execPath, [join(__dirname, script), JSON.stringify(settings)], {
    // KPIPE_MEMORY_PROBE (scripts/soak.mjs) reaches the server, which then reports its heap (memory-probe.cjs).
    env: {
      PATH: process.env.PATH ?? '',
      KPIPE_MEMORY_PROBE: process.env.KPIPE_MEMORY_PROBE ?? '',
      KPIPE_MEMORY_PROBE_MS: process.env.KPIPE_MEMORY_PROBE_MS ?? '',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => keepTail(tail, chunk));
  const output = () => tail.join('');
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(
        () => reject(new Error(`${label} did not start within ${timeoutMs} ms:\n${output()}`)),
        timeoutMs,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const line = /^\{"port":(\d+)\}$/m.exec(text);
        if (line) {
          clearTimeout(timer);
          resolve(Number(line[1]));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited during startup (${code ?? signal}):\n${output()}`));
      });
    });
    return { port, output, ...endOf(child) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** Starts the named emulator; `persistDirectory` keeps its streams across runs (for `--follow`). */
export async function startKinesisEmulator(
  name: KinesisEmulatorName,
  options: { persistDirectory?: string; port?: number } = {},
): Promise<KinesisEmulator> {
  const directory = options.persistDirectory;
  if (name === 'kinesalite') return startKinesalite({ path: directory, port: options.port });
  return startKinesisLocal({
    port: options.port,
    env: directory ? { SHOULD_PERSIST_DATA: 'true', PERSIST_PATH: directory, PERSIST_INTERVAL: '1s' } : {},
  });
}

/**
 * Creates a stream and waits until it is ACTIVE (kinesis-local keeps it CREATING for
 * CREATE_STREAM_DURATION). With `shardCount` omitted the stream is on-demand.
 */
export async function createStreamAndWait(
  client: KinesisClient,
  streamName: string,
  shardCount?: number,
  timeoutMs = 15_000,
): Promise<void> {
  await client.send(
    new CreateStreamCommand(
      shardCount === undefined
        ? { StreamName: streamName, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }
        : { StreamName: streamName, ShardCount: shardCount },
    ),
  );
  await waitForStreamActive(client, streamName, timeoutMs);
}

export async function waitForStreamActive(
  client: KinesisClient,
  streamName: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let status: string | undefined;
  while (Date.now() < deadline) {
    try {
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      status = summary.StreamDescriptionSummary?.StreamStatus;
      if (status === 'ACTIVE') return;
    } catch (error) {
      // INITIALIZE_STREAMS streams appear a moment after the server answers.
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      status = 'not found';
    }
    await delay(100);
  }
  throw new Error(
    `stream ${streamName} not ACTIVE within ${timeoutMs} ms (last status: ${status ?? 'unknown'})`,
  );
}

export interface S3Emulator {
  /** Plain-HTTP endpoint, e.g. `http://127.0.0.1:41235`; use path-style addressing. */
  endpoint: string;
  /** Where s3rver keeps the buckets (removed by stop() unless it was given). */
  directory: string;
  /** Resolves with how its process ended, if it ends other than by stop(). */
  exited: Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3 s); the folder is removed unless it was given. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts s3rver in a child process (lib/local/s3rver-server.cjs) on `port` (default: a free one), storing
 * under `directory` (kept on stop) or a fresh os.tmpdir() folder (removed on stop). Like kinesalite, it dies
 * with this process and keeps its work off this event loop.
 */
export async function startS3rver(
  options: { buckets?: string[]; directory?: string; port?: number } = {},
): Promise<S3Emulator> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 's3rver-')));
  const settings = { directory, buckets: options.buckets ?? [], ...(options.port && { port: options.port }) };
  const child = await startServerChild('s3rver', 's3rver-server.cjs', settings, 20_000);
  return {
    endpoint: `http://127.0.0.1:${child.port}`,
    directory,
    exited: child.exited,
    stop: async (graceMs?: number) => {
      await child.stop(graceMs);
      if (options.directory === undefined) await rm(directory, { recursive: true, force: true });
    },
  };
}

export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Runs `fn` with some environment variables set, restoring them afterwards (for env-driven code). */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}
