/**
 * A local run's producers, then its drain: generate (into the stream, or into a direct-put delivery stream),
 * wait until every stage has processed what was generated, and mirror the bucket to disk.
 */
import { join } from 'node:path';
import type { GenerateReport } from '../generator';
import { ExpectedRecords, mirrorBucket, type MirroredObject } from './reconcile';
import type { RunContext } from './run-context';
import type { RunEmulators } from './run-emulators';
import type { FirehoseStage } from './run-firehose';
import { drainSteps } from './run-rules';
import { defaultTemplate, runProducers, type ProducerJob } from './run-producers';
import { DEFAULT_INVALID_KINDS, LOCAL_BUCKET, type StageTimes } from './run-types';
import type { KinesisEventSourceMapping } from './event-source-mapping';

type Guard = <T>(work: Promise<T>) => Promise<T>;

/** What the producers generate: `count` records (a bounded run) or without end, with their share of bad ones. */
export function producerJob(context: RunContext, emulators: RunEmulators): ProducerJob {
  const { options, config } = context;
  const { pipeline } = options;
  return {
    template: options.template ?? defaultTemplate(pipeline),
    seed: options.seed,
    count: options.follow ? undefined : options.count,
    ratePerSecond: options.ratePerSecond,
    concurrency: options.producers,
    invalid:
      options.invalidRatio > 0
        ? {
            ratio: options.invalidRatio,
            schema: pipeline.recordSchema as Record<string, unknown>,
            kinds: options.invalidKinds ?? DEFAULT_INVALID_KINDS,
            oversizeBytes: config.record.maxBytes + 1024,
          }
        : undefined,
    stream: {
      name: config.stream.name,
      endpoint: emulators.kinesisEndpoint,
      emulator: emulators.kinesisEmulator?.name ?? 'external',
    },
  };
}

/** Runs the producers until they are done or `signal` aborts; `expected` gets every record they sent. */
export async function generate(
  context: RunContext,
  input: {
    job: ProducerJob;
    expected: ExpectedRecords;
    signal: AbortSignal;
    guard: Guard;
    times: StageTimes;
  },
): Promise<GenerateReport> {
  const { options, stages } = context;
  const directPut = context.config.delivery?.source === 'direct-put' ? stages.firehose : undefined;
  context.phase('generating records');
  const generateStart = Date.now();
  const generating = runProducers({
    job: input.job,
    directPut,
    thread: options.producerThread ?? options.env.KPIPE_PRODUCER_THREAD !== '0',
    expected: input.expected,
    signal: input.signal,
    onProgress: (update) => {
      stages.lastGenerated = update;
    },
  });
  const generated = await input.guard(generating);
  input.times.generateMs = Date.now() - generateStart;
  return generated;
}

/** Every mapping caught up, the Firehose buffers flushed, the conversions done (drainSteps). */
export async function drain(
  context: RunContext,
  input: {
    mappings: readonly KinesisEventSourceMapping[];
    firehose: FirehoseStage;
    guard: Guard;
    times: StageTimes;
  },
): Promise<void> {
  const drainStart = Date.now();
  const steps = drainSteps({
    mappings: input.mappings,
    firehose: input.firehose.firehose,
    conversions: input.firehose.conversions,
  });
  for (const step of steps) {
    context.phase(step.phase);
    await input.guard(step.run());
  }
  input.times.drainMs = Date.now() - drainStart;
}

/** The bucket mirrored to `<workDir>/bucket`, where the reconciliation and the lake queries read it. */
export async function mirror(
  context: RunContext,
  s3: RunEmulators['s3'],
  guard: Guard,
  times: StageTimes,
): Promise<{ lakeDirectory: string; outputs: MirroredObject[] }> {
  context.phase('mirroring the bucket to disk');
  const mirrorStart = Date.now();
  const lakeDirectory = join(context.workDir, 'bucket');
  const outputs = await guard(mirrorBucket(s3, LOCAL_BUCKET, lakeDirectory));
  times.mirrorMs = Date.now() - mirrorStart;
  return { lakeDirectory, outputs };
}
