/**
 * The windowAggregator function on tumbling windows behind the emulated event source mapping; its result
 * sink is tapped to count the rows and publish each window as it closes.
 */
import { join } from 'node:path';
import { createResultSink, createWindowAggregator } from '../analytics';
import { lazyClients } from '../aws/clients';
import { KinesisEventSourceMapping, type KinesisWindowEvent } from './event-source-mapping';
import type { RunContext } from './run-context';
import type { StageDeps } from './run-firehose';
import { addWindowInvoke, windowEnd } from './run-rules';
import { LOCAL_BUCKET } from './run-types';

/** The aggregator's mapping (not started), when the pipeline has analytics. */
export function wireWindows(context: RunContext, deps: StageDeps): KinesisEventSourceMapping | undefined {
  const { config, options, publisher, state, workDir } = context;
  const { windowTotals } = context.stages;
  const analytics = config.analytics;
  if (!analytics) return undefined;
  const results = createResultSink(analytics.sink, {
    clients: lazyClients(deps.clients),
    bucket: LOCAL_BUCKET,
  });
  const aggregate = createWindowAggregator(options.pipeline, {
    bucket: LOCAL_BUCKET,
    clients: deps.clients,
    env: options.env,
    // Tapped where the results are delivered: counted, and published to the console as windows close.
    sink: {
      name: results.name,
      async write(rows, emission) {
        try {
          const written = await results.write(rows, emission);
          windowTotals.rowsWritten += rows.length;
          publisher?.windowClosed({
            shardId: emission.shardId,
            windowStart: emission.windowStart,
            windowEnd: windowEnd(rows, emission.windowStart, analytics.tumblingWindowInSeconds),
            part: emission.part,
            rows,
          });
          return written;
        } catch (error) {
          windowTotals.rowsFailed += rows.length;
          throw error;
        }
      },
    },
  });
  return new KinesisEventSourceMapping({
    client: deps.kinesis,
    streamName: config.stream.name,
    functionName: 'windowAggregator',
    logger: context.logger,
    batchSize: analytics.batchSize,
    startingPosition: analytics.startingPosition,
    ...deps.fromRunStart,
    tumblingWindowSeconds: analytics.tumblingWindowInSeconds,
    checkpointFile: join(state, 'window-checkpoints.json'),
    deadLetterFile: join(workDir, 'dead-letters', 'windowAggregator.jsonl'),
    handler: async (event: KinesisWindowEvent) => {
      const { state, summary } = await aggregate(event);
      addWindowInvoke(windowTotals, summary);
      return { state };
    },
  });
}
