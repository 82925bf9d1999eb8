/**
 * The emulators of a local run and the clients on them: started (or found at --kinesis-endpoint and
 * --s3-endpoint), given the pipeline's streams and bucket, watched while the run goes on and stopped at its
 * end (each start pushes its stop onto the run's stop list).
 */
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import { createKinesisClient, createS3Client } from '../aws/clients';
import {
  answerClock,
  EmulatorDownError,
  superviseEmulators,
  type EmulatorDown,
  type WatchedEmulator,
} from './emulator-watch';
import {
  createBucket,
  createStreamAndWait,
  DEFAULT_KINESIS_EMULATOR,
  localOverrides,
  startKinesisEmulator,
  startS3rver,
  type KinesisEmulator,
  type S3Emulator,
} from './emulators';
import { existingKeys } from './reconcile';
import type { RunContext } from './run-context';
import { MAX_RESTARTS, mayRestart, sharesEmulators, streamsToCreate } from './run-rules';
import { LOCAL_BUCKET, type LocalRunOptions } from './run-types';

export interface RunEmulators {
  /** Its own processes (absent for an external endpoint); a restart replaces them. */
  kinesisEmulator?: KinesisEmulator;
  s3Emulator?: S3Emulator;
  kinesisEndpoint: string;
  s3Endpoint: string;
  kinesis: KinesisClient;
  s3: S3Client;
}

/** Starts the emulators the run has no endpoint for, and the clients on them. */
export async function startEmulators(context: RunContext): Promise<RunEmulators> {
  const { options, state, stops } = context;
  // Each stop goes on the list as soon as its emulator runs; it stops the one running then (a restart
  // replaces it).
  const own: Pick<RunEmulators, 'kinesisEmulator' | 's3Emulator'> = {};
  if (!options.endpoints?.kinesis) {
    const name = options.kinesisEmulator ?? DEFAULT_KINESIS_EMULATOR;
    own.kinesisEmulator = await startKinesisEmulator(name, {
      persistDirectory: options.follow ? join(state, name) : undefined,
    });
    stops.push(() => own.kinesisEmulator!.stop());
  }
  if (!options.endpoints?.s3) {
    own.s3Emulator = await startS3rver({ directory: options.follow ? join(state, 's3') : undefined });
    stops.push(() => own.s3Emulator!.stop());
  }
  const kinesisEndpoint = options.endpoints?.kinesis ?? own.kinesisEmulator!.endpoint;
  const s3Endpoint = options.endpoints?.s3 ?? own.s3Emulator!.endpoint;
  const kinesis = createKinesisClient({ env: {}, overrides: localOverrides(kinesisEndpoint) });
  const s3 = createS3Client({ env: {}, overrides: localOverrides(s3Endpoint) });
  stops.push(async () => {
    kinesis.destroy();
    s3.destroy();
  });
  // The console sends and mirrors through the run's own emulators (lib/console/server reads this message).
  options.live?.publish({ type: 'endpoints', at: Date.now(), kinesis: kinesisEndpoint, s3: s3Endpoint });
  // The same object: a restart's replacement is what the stops above stop.
  return Object.assign(own, { kinesisEndpoint, s3Endpoint, kinesis, s3 });
}

/**
 * The pipeline's stream, the streams its sinks route to and the bucket, all on the emulators (existing ones
 * are kept). Returns the keys already in the bucket, which a run on shared emulators leaves out.
 */
export async function createResources(context: RunContext, emulators: RunEmulators): Promise<Set<string>> {
  const { kinesis, s3 } = emulators;
  const exists = (error: Error) => {
    if (error.name !== 'ResourceInUseException') throw error;
  };
  await Promise.all([
    ...[...streamsToCreate(context.config)].map(([name, shards]) =>
      createStreamAndWait(kinesis, name, shards).catch(exists),
    ),
    createBucket(s3, LOCAL_BUCKET).catch((error: Error) => {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
    }),
  ]);
  return sharesEmulators(context.options) ? await existingKeys(s3, LOCAL_BUCKET) : new Set<string>();
}

/** The emulators a run watches: its own processes by their exit and health, external ones by health. */
function watched(
  options: LocalRunOptions,
  emulators: RunEmulators,
  calls: Record<'kinesis' | 's3', { endpoint: string; answeredAt: () => number }>,
): WatchedEmulator[] {
  const { kinesisEmulator: kinesis, s3Emulator: s3 } = emulators;
  const own = options.follow
    ? 'run kpipe local --follow again: it restarts the emulators on their data and resumes from the checkpoints'
    : 'run kpipe local again (a bounded run starts over)';
  const external = (flag: string) =>
    `start it again (or point ${flag} at one that runs), then run kpipe local again`;
  return [
    kinesis
      ? { name: kinesis.name, exited: kinesis.exited, remedy: own, ...calls.kinesis }
      : {
          name: 'the Kinesis emulator of --kinesis-endpoint',
          remedy: external('--kinesis-endpoint'),
          ...calls.kinesis,
        },
    s3
      ? { name: 's3rver', exited: s3.exited, remedy: own, ...calls.s3 }
      : { name: 'the S3 emulator of --s3-endpoint', remedy: external('--s3-endpoint'), ...calls.s3 },
  ];
}

/**
 * A dead or hung emulator ends the run within seconds, naming it (lib/local/emulator-watch.ts): every step
 * that `guard`s its work races it, and generation stops. With --follow its own emulators are restarted on
 * their data, on the same port (MAX_RESTARTS times at most). `inFlight` says what the run held when it died.
 */
export function superviseRun(
  context: RunContext,
  emulators: RunEmulators,
  generation: AbortController,
  inFlight: () => string[],
): <T>(work: Promise<T>) => Promise<T> {
  const { options, state, warn } = context;
  const calls = {
    kinesis: { endpoint: emulators.kinesisEndpoint, answeredAt: answerClock(emulators.kinesis) },
    s3: { endpoint: emulators.s3Endpoint, answeredAt: answerClock(emulators.s3) },
  };
  let restarts = 0;
  // The emulator of this run's own that is down, if it is one (external ones are named otherwise).
  const ownOf = (down: EmulatorDown): KinesisEmulator | S3Emulator | undefined =>
    down.name === emulators.kinesisEmulator?.name
      ? emulators.kinesisEmulator
      : down.name === 's3rver'
        ? emulators.s3Emulator
        : undefined;
  const supervision = superviseEmulators({
    emulators: () => watched(options, emulators, calls),
    restart: async (down) => {
      const own = ownOf(down);
      const stopping = generation.signal.aborted;
      if (!mayRestart({ follow: options.follow, own: own !== undefined, restarts, stopping }) || !own)
        return false;
      restarts += 1;
      const port = Number(new URL(down.endpoint).port);
      warn(
        `kpipe: ${down.name} (${down.endpoint}) ${down.cause}: restarting it on its data (restart ${restarts} of ${MAX_RESTARTS}); the run goes on`,
      );
      await own.stop();
      if (own === emulators.s3Emulator) {
        emulators.s3Emulator = await startS3rver({ directory: join(state, 's3'), port });
      } else {
        const name = emulators.kinesisEmulator!.name;
        emulators.kinesisEmulator = await startKinesisEmulator(name, {
          persistDirectory: join(state, name),
          port,
        });
      }
      return true;
    },
    fail: (down) => {
      context.downed = down;
      warn(down.line);
      // A hung process of its own would only delay the stop: it goes at once.
      void ownOf(down)
        ?.stop(0)
        .catch(() => undefined);
      generation.abort();
      return new EmulatorDownError(down, inFlight());
    },
  });
  context.stops.push(async () => supervision.stop());
  const died = supervision.down;
  return <T>(work: Promise<T>): Promise<T> => Promise.race([work, died]);
}
