/**
 * The console of one `kpipe local` run: where its emulators listen (from the live feed's `endpoints`
 * message, or the --kinesis-endpoint / --s3-endpoint the run was given), and the lake mirrored on demand
 * while the run is going (after it, the run's own final mirror is what a query reads).
 */
import { createS3Client } from '../../aws/clients';
import { bucketDirectory } from '../../lake/query';
import { localOverrides } from '../../local/emulators';
import type { LiveChannel } from '../../local/live';
import { mirrorBucket } from '../../local/reconcile';
import { LOCAL_BUCKET } from '../../local/runtime';
import type { PipelineConfig } from '../../pipeline/types';
import { startConsole, type RunningConsole } from './serve';

export interface RunConsole extends RunningConsole {
  /** The run is over: its emulators stopped and its bucket is mirrored for good. */
  runEnded(): void;
}

/** The latest `endpoints` message on the feed: `{ kinesis?: string, s3?: string }`. */
function publishedEndpoints(live: LiveChannel): { kinesis?: string; s3?: string } {
  const message = live.snapshot().find((candidate) => candidate.type === 'endpoints');
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { kinesis: text(message?.kinesis), s3: text(message?.s3) };
}

export async function startRunConsole(options: {
  live: LiveChannel;
  config: PipelineConfig;
  stateDir: string;
  port?: number;
  endpoints: { kinesis?: string; s3?: string };
}): Promise<RunConsole> {
  let ended = false;
  const endpoints = () => {
    const published = publishedEndpoints(options.live);
    return {
      kinesis: published.kinesis ?? options.endpoints.kinesis,
      s3: published.s3 ?? options.endpoints.s3,
    };
  };
  const mirror = async () => {
    const s3Endpoint = endpoints().s3;
    if (s3Endpoint === undefined) return;
    const client = createS3Client({ env: {}, overrides: localOverrides(s3Endpoint) });
    try {
      await mirrorBucket(client, LOCAL_BUCKET, bucketDirectory(options.stateDir));
    } finally {
      client.destroy();
    }
  };
  const running = await startConsole({
    live: options.live,
    config: options.config,
    stateDir: options.stateDir,
    port: options.port,
    endpoints: () => ({ kinesis: endpoints().kinesis }),
    refreshLake: () => (ended || endpoints().s3 === undefined ? undefined : mirror),
  });
  return {
    ...running,
    runEnded: () => {
      ended = true;
    },
  };
}
