/**
 * What a local run reports: the reconciliation of every generated record against the outputs, the problems
 * and the undelivered records by path (lib/local/reconcile.ts decides those), assembled into its summary;
 * and, when an emulator died, what was in flight.
 */
import { join } from 'node:path';
import type { GenerateReport } from '../generator';
import {
  reconcile,
  runProblems,
  undeliveredByPath,
  type ExpectedRecords,
  type MirroredObject,
} from './reconcile';
import type { RunContext } from './run-context';
import type { RunEmulators } from './run-emulators';
import { followReconciliation, firehoseStageCounts, isInterrupted, sumCounts } from './run-rules';
import { LOCAL_BUCKET, type LocalRunSummary, type StageTimes } from './run-types';

/** What the run held when an emulator died, one line per stage, and how to go on. */
export function inFlightLines(context: RunContext): string[] {
  const { consumerMapping, firehose, lastGenerated, totals, converted } = context.stages;
  const fh = firehose?.stats();
  return [
    `generated   ${lastGenerated?.acknowledged ?? 0} records acknowledged, ${lastGenerated?.inFlight ?? 0} in flight`,
    ...(consumerMapping
      ? [
          `consumer    ${consumerMapping.counters.records} records read, ${totals.delivered} delivered, ${consumerMapping.counters.bufferedRecords} read and not yet processed`,
        ]
      : []),
    ...(fh
      ? [
          `firehose    ${fh.recordsIn} in, ${fh.delivered} delivered, ${fh.errorOutput} to the error prefix, ${fh.pending} not yet in S3 (its source position stays before them)`,
        ]
      : []),
    `parquet     ${converted.objects} objects converted, ${converted.rows} rows`,
    context.options.follow
      ? `state       ${context.state}: kpipe local --follow resumes from the checkpoints`
      : 'state       a bounded run starts over: run it again once the emulator is back',
  ];
}

export interface SummaryInput {
  emulators: RunEmulators;
  expected: ExpectedRecords;
  generated: GenerateReport;
  outputs: MirroredObject[];
  /** Objects in the bucket before the run (on emulators of the user's own). */
  earlierKeys: Set<string>;
  lakeDirectory: string;
  times: StageTimes;
}

/** Reconciles a bounded run (a --follow run does not) and says what it failed to do or deliver. */
export async function summarize(context: RunContext, input: SummaryInput): Promise<LocalRunSummary> {
  const { options, config, stages, workDir } = context;
  const { consumerMapping, firehoseMapping, windowMapping, firehose, totals, converted, windowTotals } =
    stages;
  const { generated, lakeDirectory } = input;
  context.phase('reconciling');
  const reconciliation = options.follow
    ? followReconciliation()
    : await reconcile({
        pipeline: options.pipeline,
        expected: input.expected,
        outputs: input.outputs.filter((object) => !input.earlierKeys.has(object.key)),
        lakeDirectory,
        generated,
        dropped: { consumer: sumCounts(totals.dropped), firehose: firehose?.stats().dropped ?? 0 },
      });
  const firehoseStats = firehose?.stats();
  const interrupted = isInterrupted({
    follow: options.follow,
    aborted: options.signal?.aborted,
    attempted: generated.attempted,
    count: options.count,
  });
  const problems = runProblems({
    requested: options.follow ? undefined : options.count,
    acknowledged: generated.acknowledged,
    interrupted,
    generationStopped: generated.aborted,
    consumer: consumerMapping && {
      received: consumerMapping.counters.records,
      delivered: totals.delivered,
      errors: sumCounts(totals.failed),
    },
    firehose: firehoseStageCounts(firehoseStats, config.delivery?.source),
    windows: windowMapping && { received: windowMapping.counters.records },
    conversion: { objects: converted.objects, expected: Boolean(options.converter && config.conversion) },
  });
  const undelivered = undeliveredByPath({
    generator: { failed: generated.failed, errors: generated.errors },
    consumer: consumerMapping && {
      deadLettered: consumerMapping.counters.deadLetterRecords,
      deadLetterFile: join(workDir, 'dead-letters', 'streamConsumer.jsonl'),
    },
    firehose: firehoseStats && {
      deliveryFailed: firehoseStats.deliveryFailed,
      pending: firehoseStats.pending,
      discardedOnStop: firehoseStats.discardedOnStop,
      deadLettered: firehoseMapping?.counters.deadLetterRecords ?? 0,
    },
    windows: windowMapping && {
      deadLettered: windowMapping.counters.deadLetterRecords,
      rowsFailed: windowTotals.rowsFailed,
      deadLetterFile: join(workDir, 'dead-letters', 'windowAggregator.jsonl'),
    },
  });
  const directPut = config.delivery?.source === 'direct-put' && firehose !== undefined;
  return {
    emulator: input.emulators.kinesisEmulator?.name ?? 'external',
    target: directPut ? 'the delivery stream' : 'the stream',
    interrupted,
    problems,
    undelivered,
    bucket: LOCAL_BUCKET,
    lakeDirectory,
    generated,
    consumer: { ...totals, mapping: consumerMapping?.counters },
    firehose: firehose?.stats(),
    converted,
    windows: windowMapping?.counters,
    reconciliation,
    times: input.times,
  };
}
