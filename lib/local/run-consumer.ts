/**
 * The streamConsumer function behind the emulated event source mapping, its batches added to the run's
 * consumer totals.
 */
import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { createStreamConsumer } from '../consumer';
import { KinesisEventSourceMapping } from './event-source-mapping';
import { STAGE } from './live-graph';
import type { RunContext } from './run-context';
import type { StageDeps } from './run-firehose';
import { addBatch } from './run-rules';
import { LOCAL_BUCKET } from './run-types';

/** The consumer's mapping (not started), when the pipeline has a consumer. */
export function wireConsumer(context: RunContext, deps: StageDeps): KinesisEventSourceMapping | undefined {
  const { config, options, publisher, stages, state, workDir } = context;
  if (!config.consumer) return undefined;
  const consume = createStreamConsumer(options.pipeline, {
    bucket: LOCAL_BUCKET,
    clients: deps.clients,
    env: options.env,
    onErrorRecords:
      publisher &&
      ((records) => {
        for (const error of records) publisher.error({ stage: STAGE.consumer, ...error });
      }),
  });
  return new KinesisEventSourceMapping({
    ...config.consumer,
    ...deps.fromRunStart,
    client: deps.kinesis,
    streamName: config.stream.name,
    functionName: 'streamConsumer',
    logger: context.logger,
    checkpointFile: join(state, 'consumer-checkpoints.json'),
    deadLetterFile: join(workDir, 'dead-letters', 'streamConsumer.jsonl'),
    deadLetterData: true,
    handler: async (event: KinesisStreamEvent) => {
      const { batchItemFailures, summary } = await consume(event.Records);
      addBatch(stages.totals, summary);
      return { batchItemFailures };
    },
  });
}
