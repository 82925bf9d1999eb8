/**
 * One invocation of a Kinesis tumbling window (docs/analytics.md, State): revive the state Lambda
 * passed, fold the batch's records into it (skipping re-delivered sequence numbers, counting bad records),
 * then either emit the window's rows (final invoke) or return the state, emitting early when it outgrows
 * `maxStateBytes`. A failed emission keeps the state: on the final invoke the error propagates and Lambda
 * retries with the previous state; on an early emission the state is returned whole while it still fits.
 */
import type { KinesisStreamRecord, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { lazyClients } from '../aws/clients';
import { shardIdOf } from '../consumer';
import type { SinkClients } from '../consumer/delivery';
import { arrivalTimeOf, unpackKinesisRecord, userRecordContext } from '../consumer/user-records';
import type { JsonObject } from '../records';
import type { DeliveryOptions } from '../sinks/retry';
import { STATE_LIMIT_BYTES, type AnalyticsConfig, type AnalyticsPipeline } from './config';
import { analyticsInput, type AnalyticsInput } from './input';
import { createResultSink, ResultDeliveryError, type ResultRow, type ResultSink } from './sinks';
import { compilePlan, type QueryPlan } from './plan';
import { compilePipelineQuery, type CompiledQuery } from './sql';
import { distinctKey } from './aggregates';
import {
  groupKeyFunction,
  isAfter,
  stateBytes,
  WindowState,
  type SerializedState,
  type WindowStats,
} from './state';

/** Lambda's tumbling-window event; `shardId` and `eventSourceARN` are sent but missing from @types/aws-lambda. */
export interface WindowEvent extends KinesisStreamTumblingWindowEvent {
  shardId?: string;
  eventSourceARN?: string;
}

export interface WindowSummary {
  shardId: string;
  window: { start: string; end: string };
  final: boolean;
  terminatedEarly: boolean;
  /** This invocation's records. */
  records: number;
  /** The window's counters so far (this invocation included). */
  stats: WindowStats;
  groups: number;
  /** Size of the returned state, or of the state emitted on the final invoke. */
  stateBytes: number;
  emitted?: { rows: number; part: number; reason: 'final' | 'state-limit'; sink: string; target: string };
  /** An early emission that failed; the rows are still in the returned state. */
  deliveryError?: string;
  /** The incoming state could not be used (other query, version or window) and was replaced. */
  discardedState?: { reason: string; stats?: unknown };
  durationMs: number;
}

export interface WindowOutcome {
  /** Exactly what the handler returns as `state`. */
  state: SerializedState | Record<string, never>;
  summary: WindowSummary;
}

/** Thrown when the final emission fails: Lambda retries the final invoke with the state it holds. */
export class WindowEmitError extends Error {
  constructor(
    readonly summary: WindowSummary,
    cause: ResultDeliveryError,
  ) {
    super(`window ${summary.window.start} of ${summary.shardId} not emitted: ${cause.message}`, { cause });
    this.name = 'WindowEmitError';
  }
}

export interface WindowAggregatorOptions {
  /** Bucket of an s3 sink (BUCKET_NAME in Lambda). */
  bucket?: string;
  clients?: Partial<SinkClients>;
  env?: NodeJS.ProcessEnv;
  retry?: DeliveryOptions;
  /** The result sink; built from pipeline.yml when absent. */
  sink?: ResultSink;
  /** The query planned at package time (no SQL parser at cold start); planned from pipeline.yml when absent. */
  plan?: QueryPlan;
  now?: () => Date;
}

export type WindowAggregator = (event: WindowEvent) => Promise<WindowOutcome>;

function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

interface Folder {
  fold(records: KinesisStreamRecord[], state: WindowState, shardId: string, ingestionTime: Date): void;
}

/** The per-record loop, specialised once for the query. */
function createFolder(query: CompiledQuery, input: AnalyticsInput): Folder {
  const { groups, aggregates, where } = query;
  const accumulatorCount = aggregates.length;
  const readers = aggregates.map((aggregate) => aggregate.read);
  const labels = aggregates.map((aggregate) => aggregate.label);
  const single = groups.length === 1 ? groups[0]!.read : undefined;
  const groupReaders = groups.map((group) => group.read);
  const usesContext = input.usesContext;
  const keyOf = groupKeyFunction(groups.length);

  const aggregate = (record: JsonObject, state: WindowState): void => {
    const stats = state.stats;
    if (where && where(record) !== true) {
      stats.filtered += 1;
      return;
    }
    stats.aggregated += 1;
    let group;
    if (single) {
      const value = single(record);
      group = state.group(distinctKey(value), () => [value]);
    } else {
      const values = groupReaders.map((read) => read(record));
      group = state.group(keyOf(values), () => values);
    }
    const accumulators = group.accumulators;
    for (let i = 0; i < accumulatorCount; i += 1) {
      if (!accumulators[i]!.add(readers[i]!(record))) count(stats.ignoredValues, labels[i]!);
    }
  };

  return {
    fold(records, state, shardId, ingestionTime) {
      const stats = state.stats;
      const batch = { shardId, ingestionTime };
      let last = state.seq[shardId];
      for (const record of records) {
        const { kinesis } = record;
        stats.records += 1;
        if (!isAfter(kinesis.sequenceNumber, last)) {
          stats.duplicates += 1;
          continue;
        }
        last = kinesis.sequenceNumber;
        const unpacked = unpackKinesisRecord(kinesis);
        if (!unpacked.ok) {
          count(stats.failed, unpacked.reason);
          continue;
        }
        const arrivalTime = usesContext ? arrivalTimeOf(kinesis) : undefined;
        for (const user of unpacked.users) {
          const decoded = input.decode(user.data);
          if (!decoded.ok) {
            count(stats.failed, decoded.reason);
            continue;
          }
          // Built only when the transforms read it: most windows aggregate the record as it came.
          const context =
            arrivalTime === undefined ? undefined : userRecordContext(batch, kinesis, user, arrivalTime);
          for (const object of decoded.value) {
            stats.objects += 1;
            const outcome = input.prepare(object, context);
            if (outcome.kind === 'ok') aggregate(outcome.record, state);
            else if (outcome.kind === 'dropped') count(stats.dropped, outcome.rule);
            else count(stats.failed, outcome.reason);
          }
        }
      }
      if (last !== undefined) state.seq[shardId] = last;
    },
  };
}

/** The window's rows: bounds, the SELECT columns in order, then shard, part and whether the row is whole. */
export function resultRows(
  state: WindowState,
  query: CompiledQuery,
  window: { start: string; end: string },
  shardId: string,
  final: boolean,
): ResultRow[] {
  // SQL gives one row for an aggregate without GROUP BY, even over no rows.
  if (query.groups.length === 0 && state.groups.size === 0) state.group('', () => []);
  const complete = final && state.part === 0;
  const rows: ResultRow[] = [];
  for (const group of state.groups.values()) {
    const row: ResultRow = { window_start: window.start, window_end: window.end };
    for (const output of query.outputs) {
      row[output.name] =
        output.source === 'group' ? group.values[output.index] : group.accumulators[output.index]!.result();
    }
    row.shard_id = shardId;
    row.part = state.part;
    row.complete = complete;
    rows.push(row);
  }
  return rows;
}

export interface WindowAggregatorParts {
  query: CompiledQuery;
  input: AnalyticsInput;
  sink: ResultSink;
  maxStateBytes: number;
  now?: () => Date;
}

export function createWindowAggregatorFromParts(parts: WindowAggregatorParts): WindowAggregator {
  const { query, input, sink, maxStateBytes } = parts;
  const now = parts.now ?? (() => new Date());
  const folder = createFolder(query, input);

  return async (event) => {
    const started = Date.now();
    const records = event.Records ?? [];
    const first = records[0];
    const shardId = event.shardId ?? (first ? shardIdOf(first) : 'shardId-unknown');
    const window = event.window;
    const { state, discarded } = WindowState.revive(event.state, query, window.start);
    folder.fold(records, state, shardId, now());

    const summary: WindowSummary = {
      shardId,
      window,
      final: event.isFinalInvokeForWindow === true,
      terminatedEarly: event.isWindowTerminatedEarly === true,
      records: records.length,
      stats: state.stats,
      groups: state.groups.size,
      stateBytes: 0,
      ...(discarded && { discardedState: discarded }),
      durationMs: 0,
    };
    const emit = async (reason: 'final' | 'state-limit') => {
      const rows = resultRows(state, query, window, shardId, reason === 'final');
      const written = await sink.write(rows, { shardId, windowStart: window.start, part: state.part });
      summary.emitted = {
        rows: rows.length,
        part: state.part,
        reason,
        sink: sink.name,
        target: written.target,
      };
    };

    let serialized = state.toJSON();
    summary.stateBytes = stateBytes(serialized);
    if (summary.final) {
      try {
        await emit('final');
      } catch (error) {
        summary.durationMs = Date.now() - started;
        if (error instanceof ResultDeliveryError) throw new WindowEmitError(summary, error);
        throw error;
      }
      summary.durationMs = Date.now() - started;
      // The window is closed; Lambda starts the next one from an empty state.
      return { state: {}, summary };
    }
    if (summary.stateBytes > maxStateBytes) {
      try {
        await emit('state-limit');
        state.nextPart();
        serialized = state.toJSON();
        summary.stateBytes = stateBytes(serialized);
        summary.groups = 0;
      } catch (error) {
        // Keep every row in the state and try again next invocation, while Lambda still accepts its size.
        if (!(error instanceof ResultDeliveryError) || summary.stateBytes > STATE_LIMIT_BYTES) {
          summary.durationMs = Date.now() - started;
          throw error instanceof ResultDeliveryError ? new WindowEmitError(summary, error) : error;
        }
        summary.deliveryError = error.message;
      }
    }
    summary.durationMs = Date.now() - started;
    return { state: serialized, summary };
  };
}

/** Compiles everything once from pipeline.yml's `analytics:` block; the returned function handles one invocation. */
export function createWindowAggregator(
  pipeline: AnalyticsPipeline,
  options: WindowAggregatorOptions = {},
): WindowAggregator {
  const config: AnalyticsConfig | undefined = pipeline.config.analytics;
  if (!config) throw new Error(`${pipeline.file}: the window aggregator needs an \`analytics\` block`);
  const query = options.plan
    ? compilePlan(options.plan)
    : compilePipelineQuery(pipeline.config, pipeline.recordSchema);
  const clients = lazyClients(options.clients);
  const sink =
    options.sink ?? createResultSink(config.sink, { clients, bucket: options.bucket, retry: options.retry });
  return createWindowAggregatorFromParts({
    query,
    input: analyticsInput(pipeline, config.records, options.env),
    sink,
    maxStateBytes: Math.min(config.maxStateBytes, STATE_LIMIT_BYTES),
    now: options.now,
  });
}
