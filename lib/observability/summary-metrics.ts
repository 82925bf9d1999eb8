/**
 * Each function's summary as metrics (metrics.ts records them). The names are the contract the alarms
 * (lib/deploy/alarms.ts) and dashboards use; the breakdown dimensions take values from closed sets only:
 * rejection reasons, drop reasons, object outcomes, conversion error codes, and drop rules named in
 * pipeline.yml.
 */
import type { BatchSummary } from '../consumer/process-batch';
import type { ObjectSummary } from '../converter/convert-object';
import type { FirehoseSummary } from '../firehose/types';
import type { WindowSummary } from '../analytics/window';
import { METRIC_NAMES } from './metric-names';
import { total, type InvocationMetrics } from './metrics';

const M = METRIC_NAMES;

/** The stream consumer's batch. */
export function consumerMetrics(summary: BatchSummary, batchItemFailures: number): InvocationMetrics {
  return {
    counts: {
      [M.recordsIn]: summary.records,
      UserRecords: summary.userRecords,
      ObjectsIn: summary.objects,
      [M.recordsDelivered]: summary.delivered,
      [M.objectsDropped]: total(summary.dropped),
      [M.recordsFailed]: total(summary.failed),
      [M.sinkRefused]: summary.failed['refused-by-sink'] ?? 0,
      [M.sinkRetries]: summary.sinkRetries,
      [M.objectsWritten]: summary.written,
      // 1 when a sink failed for a transient reason and Lambda re-delivers from that record.
      [M.batchItemFailures]: batchItemFailures,
    },
    durationMs: summary.durationMs,
    breakdowns: [
      { metric: M.objectsDropped, dimension: 'rule', values: summary.dropped },
      { metric: M.recordsFailed, dimension: 'reason', values: summary.failed },
    ],
  };
}

/** The Firehose transformer's (or partition-key extractor's) invocation. */
export function firehoseMetrics(summary: FirehoseSummary): InvocationMetrics {
  return {
    counts: {
      [M.recordsIn]: summary.records,
      RecordsOk: summary.ok,
      RecordsDropped: summary.dropped,
      [M.recordsFailed]: summary.processingFailed,
      ObjectsIn: summary.objects,
      [M.objectsDropped]: total(summary.droppedObjects),
      [M.reingestedRecords]: summary.reingest.records,
      [M.reingestFailedParts]: summary.reingest.failedParts,
    },
    bytes: { ResponseBytes: summary.responseBytes },
    durationMs: summary.durationMs,
    breakdowns: [
      { metric: 'RecordsDropped', dimension: 'reason', values: summary.droppedRecords },
      { metric: M.objectsDropped, dimension: 'rule', values: summary.droppedObjects },
      { metric: M.recordsFailed, dimension: 'reason', values: summary.failed },
    ],
  };
}

/** The Parquet converter's invocation: its objects summed. */
export function converterMetrics(objects: readonly ObjectSummary[], durationMs: number): InvocationMetrics {
  const outcomes: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  let records = 0;
  let rows = 0;
  let errors = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  for (const object of objects) {
    outcomes[object.outcome] = (outcomes[object.outcome] ?? 0) + 1;
    records += object.records;
    rows += object.rows;
    errors += object.errors;
    bytesIn += object.bytesIn;
    bytesOut += object.bytesOut;
    for (const [code, count] of Object.entries(object.errorsByCode)) {
      errorCodes[code] = (errorCodes[code] ?? 0) + (count ?? 0);
    }
  }
  return {
    counts: {
      ObjectsIn: objects.length,
      ObjectsConverted: outcomes.converted ?? 0,
      [M.objectsFailed]: (outcomes['object-failed'] ?? 0) + (outcomes.retry ?? 0),
      [M.recordsIn]: records,
      [M.parquetRows]: rows,
      [M.conversionErrors]: errors,
    },
    bytes: { BytesIn: bytesIn, BytesOut: bytesOut },
    durationMs,
    breakdowns: [
      { metric: 'Objects', dimension: 'outcome', values: outcomes },
      { metric: M.conversionErrors, dimension: 'code', values: errorCodes },
    ],
  };
}

/**
 * The window aggregator's invocation. The window's counters (stats) add up over its invocations, so its
 * drops and failures are counted once, on the final invocation; records, groups and state size every time.
 */
export function windowMetrics(summary: WindowSummary): InvocationMetrics {
  const { stats } = summary;
  const final = summary.final;
  return {
    counts: {
      [M.recordsIn]: summary.records,
      [M.windowGroups]: summary.groups,
      WindowRowsEmitted: summary.emitted?.rows ?? 0,
      WindowEmitFailures: summary.deliveryError === undefined ? 0 : 1,
      WindowStateDiscarded: summary.discardedState === undefined ? 0 : 1,
      ...(final && {
        ObjectsAggregated: stats.aggregated,
        DuplicateRecords: stats.duplicates,
        ObjectsFilteredByWhere: stats.filtered,
        [M.objectsDropped]: total(stats.dropped),
        [M.recordsFailed]: total(stats.failed),
      }),
    },
    bytes: { [M.windowStateBytes]: summary.stateBytes },
    durationMs: summary.durationMs,
    breakdowns: final
      ? [
          { metric: M.objectsDropped, dimension: 'rule', values: stats.dropped },
          { metric: M.recordsFailed, dimension: 'reason', values: stats.failed },
        ]
      : [],
  };
}
