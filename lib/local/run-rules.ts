/**
 * The rules a local run decides by, as pure functions (tests/unit/local/run-rules.test.ts): how its totals
 * add up, which streams and start positions it uses, when it may restart an emulator, what counts as drained
 * and the parts of its verdict (interrupted, reconciled or not, which stage counts runProblems checks).
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import type { PipelineConfig } from '../pipeline/types';
import type { FirehoseCounters } from './firehose';
import type { Reconciliation, StageCounts } from './reconcile';
import type { ConsumerTotals, ConversionTotals, LocalRunOptions } from './run-types';

export type Counts = Record<string, number>;

/** Adds each count of `source` to `target` (a missing or undefined count adds nothing). */
export function addCounts(target: Counts, source: Partial<Counts>): void {
  for (const [key, value] of Object.entries(source)) target[key] = (target[key] ?? 0) + (value ?? 0);
}

export function sumCounts(counts: Counts): number {
  return Object.values(counts).reduce((total, n) => total + n, 0);
}

export const emptyConsumerTotals = (): ConsumerTotals => ({
  batches: 0,
  delivered: 0,
  dropped: {},
  failed: {},
  sinkErrors: 0,
});

/** One consumer batch added to the run's totals. */
export function addBatch(
  totals: ConsumerTotals,
  summary: { delivered: number; sinkErrors: readonly unknown[]; dropped: Counts; failed: Partial<Counts> },
): void {
  totals.batches += 1;
  totals.delivered += summary.delivered;
  totals.sinkErrors += summary.sinkErrors.length;
  addCounts(totals.dropped, summary.dropped);
  addCounts(totals.failed, summary.failed);
}

export const emptyConversionTotals = (): ConversionTotals => ({
  objects: 0,
  rows: 0,
  errors: 0,
  failedObjects: 0,
});

/** One object the converter finished, added to the totals and its error records to the counts by code. */
export function addConversion(
  converted: ConversionTotals,
  errorsByCode: Counts,
  result: { rows: number; errors: number; objects?: { errorsByCode: Partial<Counts> }[] },
): void {
  converted.objects += 1;
  converted.rows += result.rows;
  converted.errors += result.errors;
  for (const summary of result.objects ?? []) addCounts(errorsByCode, summary.errorsByCode);
}

export interface WindowTotals {
  /** Windows whose final invoke emitted their rows. */
  closed: number;
  rowsWritten: number;
  /** Rows of emissions the result sink refused. */
  rowsFailed: number;
  dropped: Counts;
  failed: Counts;
}

export const emptyWindowTotals = (): WindowTotals => ({
  closed: 0,
  rowsWritten: 0,
  rowsFailed: 0,
  dropped: {},
  failed: {},
});

/** A window counts once, on its final invoke (its stats are the window's so far, not the invocation's). */
export function addWindowInvoke(
  totals: WindowTotals,
  summary: { final: boolean; stats: { dropped: Partial<Counts>; failed: Partial<Counts> } },
): void {
  if (!summary.final) return;
  totals.closed += 1;
  addCounts(totals.dropped, summary.stats.dropped);
  addCounts(totals.failed, summary.stats.failed);
}

/** The pipeline's stream and every stream its sinks route to (one shard each), by name. */
export function streamsToCreate(config: PipelineConfig): Map<string, number> {
  const streams = new Map<string, number>([[config.stream.name, config.stream.shards]]);
  // Stryker disable ArrayDeclaration: an element that is no sink is no kinesis sink either
  const consumerSinks = config.consumer?.sinks ?? [];
  const sinks = [...consumerSinks, ...(config.analytics ? [config.analytics.sink] : [])];
  // Stryker restore ArrayDeclaration
  for (const sink of sinks) {
    if (sink.type === 'kinesis' && !streams.has(sink.stream)) streams.set(sink.stream, 1);
  }
  return streams;
}

type RunPlace = Pick<LocalRunOptions, 'follow' | 'endpoints'>;

/** A bounded run on an emulator of the user's own leaves out the objects already in the bucket. */
export const sharesEmulators = (options: RunPlace): boolean =>
  !options.follow && Boolean(options.endpoints?.kinesis || options.endpoints?.s3);

/** ...and reads the stream from LATEST, so only its own records. */
export const runStartPosition = (options: RunPlace): { startingPosition?: 'LATEST' } =>
  !options.follow && options.endpoints?.kinesis ? { startingPosition: 'LATEST' } : {};

/** Restarts of its own emulators a --follow run makes before it stops. */
export const MAX_RESTARTS = 3;

/** Only a --follow run restarts an emulator, only its own, a few times, and not once generation stopped. */
export function mayRestart(input: {
  follow: boolean;
  own: boolean;
  restarts: number;
  stopping: boolean;
}): boolean {
  return input.follow && input.own && input.restarts < MAX_RESTARTS && !input.stopping;
}

/** One step of the drain: what the run says it does, and the work. */
export interface DrainStep {
  phase: string;
  run: () => Promise<unknown>;
}

/**
 * Drained: every mapping has read and processed its shards, then the Firehose buffers are flushed (the
 * consumer's Firehose sink fills them), then the objects the flush wrote are converted. In this order.
 */
export function drainSteps(stages: {
  mappings: readonly { drain(): Promise<unknown> }[];
  firehose?: { flush(): Promise<unknown> };
  conversions: { idle(): Promise<unknown> };
}): DrainStep[] {
  return [
    {
      phase: 'draining the event source mappings (every record read and processed)',
      run: () => Promise.all(stages.mappings.map((mapping) => mapping.drain())),
    },
    { phase: 'flushing the Firehose buffers', run: () => stages.firehose?.flush() ?? Promise.resolve() },
    { phase: 'converting the delivered objects to Parquet', run: () => stages.conversions.idle() },
  ];
}

/** Stopped by the signal before a bounded run generated all it was asked for. */
export function isInterrupted(input: {
  follow: boolean;
  aborted: boolean | undefined;
  attempted: number;
  count: number;
}): boolean {
  return !input.follow && input.aborted === true && input.attempted < input.count;
}

/** A --follow run's outputs include earlier runs (read again from their checkpoints): it does not reconcile. */
export const followReconciliation = (): Reconciliation => ({
  ok: true,
  skipped: 'the outputs include earlier runs (--follow): not reconciled',
  checks: [],
  errors: {},
  lakeRows: undefined,
  lakeGlob: undefined,
});

/** Firehose's counts for runProblems: a direct-put delivery stream has producers of its own, not the stream. */
export function firehoseStageCounts(
  stats: FirehoseCounters | undefined,
  source: 'kinesis' | 'direct-put' | undefined,
): StageCounts['firehose'] {
  return stats && source === 'kinesis'
    ? { received: stats.recordsIn, delivered: stats.delivered, errors: stats.errorOutput }
    : undefined;
}

/** Lambda event records back into the shape the emulated Firehose takes from a stream. */
export function toSourceRecords(event: KinesisStreamEvent) {
  return event.Records.map((record) => ({
    data: Buffer.from(record.kinesis.data, 'base64'),
    partitionKey: record.kinesis.partitionKey,
    sequenceNumber: record.kinesis.sequenceNumber,
    shardId: record.eventID.slice(0, record.eventID.indexOf(':')),
    approximateArrivalTimestamp: Math.round(record.kinesis.approximateArrivalTimestamp * 1000),
  }));
}

/** A window's end: from its rows, else its start plus the tumbling window. */
export function windowEnd(rows: readonly Record<string, unknown>[], start: string, seconds: number): string {
  const end = rows[0]?.window_end;
  return typeof end === 'string' ? end : new Date(Date.parse(start) + seconds * 1000).toISOString();
}

/** `key=value` pairs of a log record's details, on one line. */
export function oneLine(extra: Record<string, unknown> | undefined): string {
  if (!extra) return '';
  const parts = Object.entries(extra).map(
    ([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
  );
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}
