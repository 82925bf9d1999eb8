/**
 * From the run's counters to what each stage of the graph (live-graph.ts) shows: in / out / dropped /
 * failed, in the stage's unit, null where the stage has no such count. Pure: the runtime passes its
 * counters, tests pass theirs. What each count counts:
 *
 * | stage             | in                              | out                   | dropped         | failed                          |
 * | generator         | records generated               | acknowledged          |                 | rejected for good               |
 * | stream            | records the stream acknowledged |                       |                 |                                 |
 * | consumer          | records read by its mapping     | objects every sink took | by a rule     | written to its error output     |
 * | sink-n            | objects every sink took         |                       |                 |                                 |
 * | firehose          | records taken in (de-aggregated)| in objects under Prefix | by the Lambda | error output + failed S3 writes |
 * | transformer       | records the Lambda answered for | Ok                    | Dropped         | ProcessingFailed                |
 * | objects           | records in objects under Prefix |                       |                 | records of failed S3 writes     |
 * | converter         | objects (unit `objects`)        | converted             |                 | given up after three attempts   |
 * | lake              | Parquet rows written            |                       |                 |                                 |
 * | windows           | records read by its mapping     |                       | by a rule (closed windows) | unusable (closed windows) |
 * | results           | result rows written             |                       |                 | rows the result sink refused    |
 * | *-errors          | records written there           |                       |                 |                                 |
 */
import type { FirehoseCounters } from './firehose';
import type { MappingCounters } from './esm-runtime';
import type { ShardStatus } from './esm-shard';
import { STAGE, sinkStage } from './live-graph';
import type { ErrorCount, ShardAges } from './live-types';

export interface StageCounts {
  /** What the counts count: `records`, `rows` or `objects`. */
  unit: 'records' | 'rows' | 'objects';
  in: number | null;
  out: number | null;
  dropped: number | null;
  failed: number | null;
  /** Further figures of the stage, named for what they count (not rated). */
  detail?: Record<string, number>;
}

export type Counts = Record<string, number>;

/** The counters a run holds, each part present when its stage runs. */
export interface RunCounters {
  generated?: { attempted: number; acknowledged: number; failed: number };
  /** The generator sends to the delivery stream (direct put) rather than to the stream. */
  directPut?: boolean;
  consumer?: {
    mapping: MappingCounters;
    /** Objects every sink took. */
    delivered: number;
    dropped: Counts;
    failed: Counts;
    sinkErrors: number;
    sinks: number;
  };
  firehose?: FirehoseCounters;
  converted?: { objects: number; rows: number; errors: number; failedObjects: number; errorsByCode: Counts };
  windows?: {
    mapping: MappingCounters;
    /** Windows whose final invoke emitted their rows. */
    closed: number;
    rowsWritten: number;
    /** Rows of emissions the result sink refused. */
    rowsFailed: number;
    /** Of closed windows: objects dropped by a transform rule, and unusable ones by reason. */
    dropped: Counts;
    failed: Counts;
  };
}

const sum = (counts: Counts): number => Object.values(counts).reduce((total, n) => total + n, 0);

const stage = (unit: StageCounts['unit'], counts: Partial<Omit<StageCounts, 'unit'>>): StageCounts => ({
  unit,
  in: null,
  out: null,
  dropped: null,
  failed: null,
  ...counts,
});

export function stageCounts(run: RunCounters): Record<string, StageCounts> {
  const stages: Record<string, StageCounts> = {};
  const { generated, consumer, firehose, converted, windows } = run;
  if (generated) {
    stages[STAGE.generator] = stage('records', {
      in: generated.attempted,
      out: generated.acknowledged,
      failed: generated.failed,
    });
    if (!run.directPut) stages[STAGE.stream] = stage('records', { in: generated.acknowledged });
  }
  if (consumer) {
    const { mapping } = consumer;
    stages[STAGE.consumer] = stage('records', {
      in: mapping.recordsRead,
      out: consumer.delivered,
      dropped: sum(consumer.dropped),
      failed: sum(consumer.failed),
      detail: {
        invocations: mapping.batches,
        retries: mapping.retries,
        failedInvocations: mapping.failedBatches,
        deadLetterRecords: mapping.deadLetterRecords,
        sinkErrors: consumer.sinkErrors,
      },
    });
    for (let index = 0; index < consumer.sinks; index += 1) {
      stages[sinkStage(index)] = stage('records', { in: consumer.delivered });
    }
    stages[STAGE.consumerErrors] = stage('records', { in: sum(consumer.failed) });
  }
  if (firehose) {
    stages[STAGE.firehose] = stage('records', {
      in: firehose.recordsIn,
      out: firehose.delivered,
      dropped: firehose.dropped,
      failed: firehose.errorOutput + firehose.deliveryFailed,
      detail: { pendingRecords: firehose.pending, activePartitions: firehose.activePartitions },
    });
    stages[STAGE.transformer] = stage('records', {
      in: firehose.ok + firehose.dropped + firehose.processingFailed,
      out: firehose.ok,
      dropped: firehose.dropped,
      failed: firehose.processingFailed,
      detail: {
        invocations: firehose.invocations,
        retries: firehose.retries,
        failedBatches: firehose.failedBatches,
      },
    });
    stages[STAGE.objects] = stage('records', {
      in: firehose.delivered,
      failed: firehose.deliveryFailed,
      detail: { objectsWritten: firehose.objects, bytesWritten: firehose.bytes },
    });
    stages[STAGE.firehoseErrors] = stage('records', { in: firehose.errorOutput });
  }
  if (converted) {
    stages[STAGE.converter] = stage('objects', {
      in: converted.objects + converted.failedObjects,
      out: converted.objects,
      failed: converted.failedObjects,
      detail: { rowsWritten: converted.rows, errorRecords: converted.errors },
    });
    stages[STAGE.lake] = stage('rows', { in: converted.rows });
    stages[STAGE.conversionErrors] = stage('records', { in: converted.errors });
  }
  if (windows) {
    stages[STAGE.windows] = stage('records', {
      in: windows.mapping.recordsRead,
      dropped: sum(windows.dropped),
      failed: sum(windows.failed),
      detail: { windowsClosed: windows.closed, failedInvocations: windows.mapping.failedBatches },
    });
    stages[STAGE.results] = stage('rows', { in: windows.rowsWritten, failed: windows.rowsFailed });
  }
  return stages;
}

/** Every reason something failed, with the stage it failed in; zero counts left out. */
export function errorsByReason(run: RunCounters): ErrorCount[] {
  const errors: ErrorCount[] = [];
  const add = (stageId: string, counts: Partial<Counts>, prefix = '') => {
    for (const [reason, count] of Object.entries(counts)) {
      if (count) errors.push({ stage: stageId, reason: `${prefix}${reason}`, count });
    }
  };
  const invocation = 'invocation: ';
  if (run.consumer) {
    add(STAGE.consumer, run.consumer.failed);
    add(STAGE.consumer, run.consumer.mapping.failureReasons, invocation);
  }
  if (run.firehose) {
    add(STAGE.firehose, run.firehose.errorsByCode);
    add(STAGE.transformer, run.firehose.attemptFailuresByCode, invocation);
    if (run.firehose.deliveryFailed) add(STAGE.objects, { 'S3 write failed': run.firehose.deliveryFailed });
  }
  if (run.converted) {
    add(STAGE.converter, run.converted.errorsByCode);
    add(STAGE.converter, { 'gave up after retries': run.converted.failedObjects }, 'object: ');
  }
  if (run.windows) {
    add(STAGE.windows, run.windows.failed);
    add(STAGE.windows, run.windows.mapping.failureReasons, invocation);
    add(STAGE.results, { 'result sink refused rows': run.windows.rowsFailed });
  }
  return errors.sort((a, b) => b.count - a.count);
}

/** Iterator age per shard of one mapping (Lambda's IteratorAge, per shard rather than the maximum). */
export function shardAges(stageId: string, status: readonly ShardStatus[]): ShardAges {
  return {
    stage: stageId,
    shards: status.map((shard) => ({
      shardId: shard.shardId,
      iteratorAgeMs: shard.finished ? 0 : shard.iteratorAgeMs,
      bufferedRecords: shard.bufferedRecords,
      finished: shard.finished,
    })),
  };
}
