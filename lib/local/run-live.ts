/**
 * A local run on the live channel (the local console): its counters, shard ages and buffer fill, the error
 * records of its stages and the invocations that failed.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { RunContext } from './run-context';
import { conversionErrorInputs } from './live-errors';
import { STAGE } from './live-graph';
import { createLivePublisher, type LivePublisher } from './live-model';
import { shardAges } from './live-stages';
import { LOCAL_BUCKET, type ObjectConverter } from './run-types';

/** How often the live feed publishes while someone watches. */
const LIVE_INTERVAL_MS = 1000;

/** Format-conversion error records shown per object: the console keeps the last 50 in all. */
const CONVERSION_SAMPLES_PER_OBJECT = 5;

/**
 * The run's publisher when someone may watch: it reads the stages' counters when it publishes, so a watcher
 * may call on it at any moment, before every stage exists.
 */
export function runPublisher(context: RunContext): LivePublisher | undefined {
  const { options, config, stages } = context;
  if (!options.live) return undefined;
  const mappings = {
    [STAGE.consumer]: () => stages.consumerMapping,
    [STAGE.firehose]: () => stages.firehoseMapping,
    [STAGE.windows]: () => stages.windowMapping,
  };
  return createLivePublisher({
    channel: options.live,
    read: () => ({
      run: {
        generated: stages.lastGenerated,
        directPut: config.delivery?.source === 'direct-put',
        consumer: stages.consumerMapping && {
          mapping: stages.consumerMapping.counters,
          ...stages.totals,
          sinks: config.consumer?.sinks.length ?? 0,
        },
        firehose: stages.firehose?.stats(),
        converted:
          options.converter && config.conversion
            ? { ...stages.converted, errorsByCode: stages.conversionErrors }
            : undefined,
        windows: stages.windowMapping && { mapping: stages.windowMapping.counters, ...stages.windowTotals },
      },
      shards: Object.entries(mappings).flatMap(([stage, mapping]) => {
        const running = mapping();
        return running ? [shardAges(stage, running.status())] : [];
      }),
      buffers: stages.firehose?.bufferFill(),
    }),
  });
}

/** Failed invocations of every mapping to the live feed, and its periodic publication (stopped at the end). */
export function publishWhileRunning(context: RunContext, publisher: LivePublisher): void {
  const { stages } = context;
  for (const [stage, mapping] of [
    [STAGE.consumer, stages.consumerMapping],
    [STAGE.firehose, stages.firehoseMapping],
    [STAGE.windows, stages.windowMapping],
  ] as const) {
    mapping?.on('batch', (batch) => {
      if (batch.reason === undefined) return;
      publisher.error({
        stage,
        reason: `invocation: ${batch.reason}`,
        message: `${batch.shardId} ${batch.firstSequenceNumber}…${batch.lastSequenceNumber} (attempt ${batch.attempt}): ${batch.message ?? batch.reason}`,
        rawData: new Uint8Array(0),
      });
    });
  }
  const ticker = setInterval(() => publisher.tick(), LIVE_INTERVAL_MS);
  context.stops.push(async () => clearInterval(ticker));
}

/** The first records of each error object the converter wrote, to the live feed; a failed read is skipped. */
export async function sampleConversionErrors(
  publisher: LivePublisher,
  s3: S3Client,
  objects: NonNullable<Awaited<ReturnType<ObjectConverter>>['objects']>,
): Promise<void> {
  for (const object of objects) {
    if (!object.errorKey || !object.errors) continue;
    const inputs = await conversionErrorInputs(
      s3,
      LOCAL_BUCKET,
      object.errorKey,
      CONVERSION_SAMPLES_PER_OBJECT,
    ).catch(() => []);
    for (const input of inputs) publisher.error(input);
  }
}
