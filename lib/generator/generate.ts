import { z } from 'zod';
import { systemClock, yieldToEventLoop, type Clock } from './clock';
import type { InvalidRecordOptions } from './invalid';
import { createProfile, type ProfileSpec, type RateProfile } from './profile';
import {
  RECORD_KINDS,
  createTemplateProducer,
  type GeneratedRecord,
  type PartitionKeyOption,
  type RecordKind,
  type RecordProducer,
} from './producer';
import type { RecordSink, SinkFailure, SinkResult } from './sinks';
import type { CompiledTemplate } from './template';

export interface GenerateProgress {
  attempted: number;
  acknowledged: number;
  failed: number;
  bytes: number;
  elapsedMs: number;
  inFlight: number;
  /** Records the sink sent again, and those of them possibly stored already (see GenerateReport). */
  resent?: number;
  resentUnconfirmed?: number;
  /** The run's end, when known: a record count and/or a duration. */
  targetCount?: number;
  targetDurationMs?: number;
}

export interface KindCounts {
  attempted: number;
  acknowledged: number;
  failed: number;
}

/**
 * What a run did. `attempted` counts records generated and handed to the sink, `acknowledged` only those
 * the destination confirmed, `failed` those it permanently rejected; at the end attempted = acknowledged +
 * failed. `ratePerSecond` is acknowledged records per second of the run.
 */
export interface GenerateReport {
  attempted: number;
  acknowledged: number;
  failed: number;
  /** Bytes of record data handed to the sink (attempted records). */
  bytes: number;
  /** Records the sink sent again after a failed request (its retry layer, lib/sinks/retry.ts). */
  resent: number;
  /**
   * Of those, records whose failed request may have stored them (a timeout or reset after sending): each
   * may be in the stream twice. Zero means the run made no producer duplicates.
   */
  resentUnconfirmed: number;
  durationMs: number;
  ratePerSecond: number;
  /** Records the rate schedule called for by the end of the run (rate-limited runs only). */
  scheduled?: number;
  byKind: Record<RecordKind, KindCounts>;
  /** Failed records by error code. */
  errors: Record<string, number>;
  /** Why the run stopped early (a sink or producer fault), if it did. */
  aborted?: string;
}

export interface GenerateOptions {
  /** A compiled template, or any record producer (e.g. the CloudWatch Logs payload builder). */
  template: CompiledTemplate | RecordProducer;
  sink: RecordSink;
  /** Stop after this many records. */
  count?: number;
  /** Stop after this long. With neither count nor duration the run lasts until `signal` aborts it. */
  durationSeconds?: number;
  /** Records per second; no cap. Omit to send as fast as the sink takes them. */
  ratePerSecond?: number;
  /** A periodic multiplier on `ratePerSecond`. */
  profile?: ProfileSpec | RateProfile;
  /** Records per sink call (PutRecords takes at most 500). */
  batchSize?: number;
  /** Batches in flight at once, for sinks that cannot keep up one call at a time. */
  concurrency?: number;
  /** Longest a due record waits for its batch to fill (default 1000 ms, the original's once a second). */
  flushIntervalMs?: number;
  /** For templates: partition keys, bad records, per-record gzip and the seed of those choices. */
  partitionKey?: PartitionKeyOption;
  invalid?: InvalidRecordOptions;
  gzip?: boolean;
  seed?: number;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (progress: GenerateProgress) => void;
  /** Close the sink at the end (default true). */
  closeSink?: boolean;
}

const numbers = z.object({
  count: z.number().int().positive().optional(),
  durationSeconds: z.number().positive().finite().optional(),
  ratePerSecond: z.number().positive().finite().optional(),
  batchSize: z.number().int().min(1).max(500).default(500),
  concurrency: z.number().int().min(1).max(1000).default(1),
  flushIntervalMs: z.number().positive().finite().default(1000),
});

function validate(options: GenerateOptions): z.infer<typeof numbers> {
  const parsed = numbers.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid generate options: ${issues}`);
  }
  if (options.profile !== undefined && options.ratePerSecond === undefined) {
    throw new Error('invalid generate options: profile needs ratePerSecond (the base rate it multiplies)');
  }
  return parsed.data;
}

function isTemplate(source: CompiledTemplate | RecordProducer): source is CompiledTemplate {
  return typeof (source as CompiledTemplate).render === 'function';
}

/** How many records are due by a given time: exact for a constant rate, integrated for a profile. */
interface Budget {
  due(now: number): number;
  /** Estimated time at which `count` records will be due (never earlier than `now`). */
  timeWhenDue(count: number, now: number): number;
}

function createBudget(rate: number, profile: RateProfile | undefined, start: number): Budget {
  if (profile === undefined) {
    return {
      due: (now) => (rate * (now - start)) / 1000,
      timeWhenDue: (count) => start + (count * 1000) / rate,
    };
  }
  let lastTime = start;
  let lastRate = rate * profile(start, 0);
  let accumulated = 0;
  const due = (now: number): number => {
    if (now > lastTime) {
      const nowRate = rate * Math.max(0, profile(now, now - start));
      accumulated += ((lastRate + nowRate) / 2) * ((now - lastTime) / 1000);
      lastTime = now;
      lastRate = nowRate;
    }
    return accumulated;
  };
  return {
    due,
    // Re-evaluated at least every second, since the rate moves.
    timeWhenDue: (count, now) => {
      const missing = count - due(now);
      if (missing <= 0) return now;
      return lastRate <= 0 ? now + 1000 : now + Math.min(1000, (missing * 1000) / lastRate);
    },
  };
}

function emptyKinds(): Record<RecordKind, KindCounts> {
  return Object.fromEntries(
    RECORD_KINDS.map((kind) => [kind, { attempted: 0, acknowledged: 0, failed: 0 }]),
  ) as Record<RecordKind, KindCounts>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Generates records and hands them to the sink in batches, at a rate if one is set: the schedule is
 * computed from the start time, so a slow batch is caught up with full batches instead of drifting; up to
 * `concurrency` batches are in flight at once.
 */
export async function generate(options: GenerateOptions): Promise<GenerateReport> {
  const settings = validate(options);
  const { batchSize, concurrency, flushIntervalMs, ratePerSecond } = settings;
  const clock = options.clock ?? systemClock;
  const { sink, signal, onProgress } = options;
  const producer = isTemplate(options.template)
    ? createTemplateProducer(options.template, {
        partitionKey: options.partitionKey,
        invalid: options.invalid,
        gzip: options.gzip,
        seed: options.seed,
      })
    : options.template;
  const profile =
    options.profile === undefined
      ? undefined
      : typeof options.profile === 'function'
        ? options.profile
        : createProfile(options.profile);

  const start = clock.now();
  const budget = ratePerSecond === undefined ? undefined : createBudget(ratePerSecond, profile, start);
  const endAt = settings.durationSeconds === undefined ? Infinity : start + settings.durationSeconds * 1000;
  const limit = settings.count ?? Infinity;

  const totals = { attempted: 0, acknowledged: 0, failed: 0, bytes: 0, resent: 0, resentUnconfirmed: 0 };
  const byKind = emptyKinds();
  const errors: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  let aborted: string | undefined;
  let produced = 0;
  let lastFlush = start;

  const progress = (): GenerateProgress => ({
    ...totals,
    elapsedMs: clock.now() - start,
    inFlight: inFlight.size,
    ...(settings.count === undefined ? {} : { targetCount: settings.count }),
    ...(settings.durationSeconds === undefined ? {} : { targetDurationMs: settings.durationSeconds * 1000 }),
  });

  const fail = (record: GeneratedRecord, failure: Pick<SinkFailure, 'errorCode'>): void => {
    totals.failed += 1;
    byKind[record.kind].failed += 1;
    errors[failure.errorCode] = (errors[failure.errorCode] ?? 0) + 1;
  };

  /** Books a batch's outcome; a sink that accounts for fewer records than it was given has the rest failed. */
  const settle = (batch: GeneratedRecord[], result: SinkResult): void => {
    totals.resent += result.resent ?? 0;
    totals.resentUnconfirmed += result.resentUnconfirmed ?? 0;
    const failedIndexes = new Set<number>();
    for (const failure of result.failed) {
      const record = batch[failure.index];
      if (record === undefined || failedIndexes.has(failure.index)) continue;
      failedIndexes.add(failure.index);
      fail(record, failure);
    }
    let unaccounted =
      batch.length - failedIndexes.size - Math.max(0, Math.min(result.acknowledged, batch.length));
    for (let index = batch.length - 1; index >= 0; index -= 1) {
      if (failedIndexes.has(index)) continue;
      const record = batch[index] as GeneratedRecord;
      if (unaccounted > 0) {
        unaccounted -= 1;
        fail(record, { errorCode: 'NotAcknowledged' });
      } else {
        totals.acknowledged += 1;
        byKind[record.kind].acknowledged += 1;
      }
    }
  };

  const dispatch = (batch: GeneratedRecord[]): void => {
    for (const record of batch) {
      totals.bytes += record.data.byteLength;
      byKind[record.kind].attempted += 1;
    }
    totals.attempted += batch.length;
    const sending: Promise<void> = sink
      .send(batch)
      .then(
        (result) => settle(batch, result),
        (error: unknown) => {
          for (const record of batch) fail(record, { errorCode: 'SinkError' });
          aborted ??= `sink failed: ${messageOf(error)}`;
        },
      )
      .then(() => {
        inFlight.delete(sending);
        onProgress?.(progress());
      });
    inFlight.add(sending);
  };

  while (produced < limit && aborted === undefined && signal?.aborted !== true) {
    const now = clock.now();
    const final = now >= endAt;
    let available =
      budget === undefined ? batchSize : Math.floor(budget.due(Math.min(now, endAt))) - produced;
    available = Math.min(available, limit - produced);
    // At the end of the duration send the records that fell due (the usual tail, at most a batch), then stop;
    // a longer backlog is reported as the gap between `scheduled` and `attempted`.
    if (final && (budget === undefined || available <= 0 || available > batchSize)) break;
    // A batch is full at batchSize, or sooner when the count ends first.
    const wanted = Math.min(batchSize, limit - produced);
    if (
      !final &&
      budget !== undefined &&
      available < wanted &&
      (available <= 0 || now - lastFlush < flushIntervalMs)
    ) {
      const full = budget.timeWhenDue(produced + wanted, now);
      const one = budget.timeWhenDue(produced + 1, now);
      const wake = Math.min(full, Math.max(one, lastFlush + flushIntervalMs), endAt);
      await clock.sleep(Math.max(1, Math.ceil(wake - now)), signal);
      continue;
    }
    if (inFlight.size >= concurrency) {
      await Promise.race(inFlight);
      continue;
    }
    const size = Math.min(available, batchSize);
    const batch: GeneratedRecord[] = [];
    try {
      for (let i = 0; i < size; i += 1) batch.push(producer.next());
    } catch (error) {
      aborted = `record ${produced + batch.length + 1} could not be generated: ${messageOf(error)}`;
    }
    produced += batch.length;
    lastFlush = now;
    if (batch.length > 0) dispatch(batch);
    // Running flat out, let signal handlers and I/O callbacks in between batches.
    if (budget === undefined) await (clock.yield?.() ?? yieldToEventLoop());
  }

  await Promise.all(inFlight);
  if (options.closeSink !== false) {
    try {
      await sink.close();
    } catch (error) {
      aborted ??= `closing the sink failed: ${messageOf(error)}`;
    }
  }
  const end = clock.now();
  const durationMs = end - start;
  const report: GenerateReport = {
    ...totals,
    durationMs,
    ratePerSecond: durationMs > 0 ? (totals.acknowledged * 1000) / durationMs : 0,
    byKind,
    errors,
  };
  if (budget !== undefined) report.scheduled = Math.min(limit, Math.floor(budget.due(Math.min(end, endAt))));
  if (aborted !== undefined) report.aborted = aborted;
  return report;
}
