/**
 * What passes between a local run and its producer thread (run-producers-thread.ts), checked on arrival:
 * a message outside the protocol is a bug, and it fails the run with what was received instead of being
 * dropped or half-read.
 *
 *  - workerData: a ProducerJob (what to generate, where to send it);
 *  - to the thread: `{ type: 'stop' }` (the run's signal aborted; finish what is in flight, then report);
 *  - from the thread: `progress` after each batch, then `done` (the report and the acknowledged records by
 *    kind) or `failed` (an error, by name and message).
 */
import { z } from 'zod';
import { INVALID_KINDS, RECORD_KINDS, type GenerateProgress, type GenerateReport } from '../generator';

const count = z.number().int().nonnegative();

const byKind = z.partialRecord(z.enum(RECORD_KINDS), count);

/** The records the producers saw acknowledged, by kind (ExpectedRecords' counts). */
export interface ExpectedSnapshot {
  total: number;
  byKind: z.infer<typeof byKind>;
}

const jobSchema = z.strictObject({
  /** A catalog name or a template file (resolved from the working directory, which the thread shares). */
  template: z.string().min(1),
  seed: z.number().optional(),
  /** Records to generate; without it the thread runs until stopped. */
  count: z.number().int().positive().optional(),
  ratePerSecond: z.number().positive().optional(),
  /** Batches in flight at once (the run's --producers). */
  concurrency: z.number().int().min(1),
  invalid: z
    .strictObject({
      ratio: z.number().min(0).max(1),
      schema: z.record(z.string(), z.unknown()).optional(),
      kinds: z.partialRecord(z.enum(INVALID_KINDS), z.number()).optional(),
      oversizeBytes: z.number().int().positive().optional(),
      seed: z.number().optional(),
    })
    .optional(),
  /** The stream and the emulator it is on (which picks the PutRecords deadline, PUT_TIMEOUTS). */
  stream: z
    .strictObject({ name: z.string().min(1), endpoint: z.string().url(), emulator: z.string().min(1) })
    .optional(),
});

export type ProducerJob = z.infer<typeof jobSchema>;

const progressSchema = z.looseObject({
  attempted: count,
  acknowledged: count,
  failed: count,
  bytes: count,
  elapsedMs: z.number().nonnegative(),
  inFlight: count,
});

const kindCounts = z.object({ attempted: count, acknowledged: count, failed: count });

const reportSchema = z.looseObject({
  attempted: count,
  acknowledged: count,
  failed: count,
  bytes: count,
  resent: count,
  resentUnconfirmed: count,
  durationMs: z.number().nonnegative(),
  ratePerSecond: z.number().nonnegative(),
  byKind: z.record(z.enum(RECORD_KINDS), kindCounts),
  errors: z.record(z.string(), count),
  scheduled: count.optional(),
  aborted: z.string().optional(),
});

const fromProducers = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('progress'), progress: progressSchema }),
  z.strictObject({
    type: z.literal('done'),
    report: reportSchema,
    expected: z.strictObject({ total: count, byKind }),
  }),
  z.strictObject({
    type: z.literal('failed'),
    name: z.string(),
    message: z.string(),
    stack: z.string().optional(),
  }),
]);

const toProducers = z.strictObject({ type: z.literal('stop') });

export type FromProducers =
  | { type: 'progress'; progress: GenerateProgress }
  | { type: 'done'; report: GenerateReport; expected: ExpectedSnapshot }
  | { type: 'failed'; name: string; message: string; stack?: string };

export type ToProducers = z.infer<typeof toProducers>;

/** What was received, shortened for a message. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function parse<T>(schema: z.ZodType, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as T;
  const issues = parsed.error.issues
    .map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`)
    .join('; ');
  throw new Error(
    `producer thread protocol: ${what} is not valid (${issues}); received ${shown(value)}. ` +
      'This is a bug in kpipe: report it; KPIPE_PRODUCER_THREAD=0 runs the producers on the main thread.',
  );
}

export function parseFromProducers(value: unknown): FromProducers {
  return parse(fromProducers, value, 'a message from the producer thread');
}

export function parseToProducers(value: unknown): ToProducers {
  return parse(toProducers, value, 'a message to the producer thread');
}

export function parseProducerJob(value: unknown): ProducerJob {
  return parse(jobSchema, value, 'the producer job');
}
