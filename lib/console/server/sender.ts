/**
 * The Generator tab's sending job: one at a time, lib/generator's generate() into a stream or delivery
 * stream (targets.ts), its counters published on the live channel as `generator` messages: the send now,
 * and per target the totals of every send of this console, with failure reasons.
 */
import type { LiveMessage } from '../../local/live-types';
import { compileTemplate } from '../../generator/template';
import { generate, type GenerateProgress, type GenerateReport } from '../../generator/generate';
import type { RecordSink } from '../../generator/sinks';
import { TargetError, type SendEndpoints, type SendTarget, type SinkFactory } from './targets';

export type { SendEndpoints, SendTarget, SinkFactory } from './targets';

export interface SendRequest {
  template: string;
  target: SendTarget;
  ratePerSecond?: number;
  count?: number;
  durationSeconds?: number;
  seed?: number;
}

/** What one request may ask: a page (or a script holding the token) cannot start an unbounded flood. */
export const SEND_LIMITS = {
  count: 10_000_000,
  durationSeconds: 24 * 3600,
  ratePerSecond: 100_000,
  /** Kinesis and Firehose names: 1-128 of letters, digits, `_`, `.`, `-`. */
  name: /^[A-Za-z0-9_.-]{1,128}$/,
} as const;

type SendState = 'running' | 'done' | 'stopped' | 'failed';

/** The counters of a send, or the totals of a target. */
export interface SendCounters {
  target: string;
  state: SendState;
  sent: number;
  acknowledged: number;
  failed: number;
  /** Failed records by error code, and `aborted` when a send stopped early. */
  reasons: Record<string, number>;
}

const targetLabel = (target: SendTarget): string =>
  `${target.kind === 'stream' ? 'stream' : 'delivery stream'} ${target.name}`;

/** The request's problems, each with its way out; empty when it can start. */
export function checkSendRequest(request: Partial<SendRequest>): string[] {
  const problems: string[] = [];
  const target = request.target;
  if (!target || (target.kind !== 'stream' && target.kind !== 'delivery-stream')) {
    problems.push('target.kind must be "stream" or "delivery-stream"');
  } else if (!target.name) {
    problems.push('name the stream or delivery stream to send to');
  } else if (!SEND_LIMITS.name.test(target.name)) {
    problems.push(`"${target.name}" is not a stream name: 1-128 letters, digits, "_", "." or "-"`);
  }
  if (typeof request.template !== 'string') problems.push('template: the KDG template text is missing');
  const bounded = (field: 'count' | 'durationSeconds' | 'ratePerSecond', integer: boolean) => {
    const value = request[field];
    if (value === undefined) return;
    const max = SEND_LIMITS[field];
    if (typeof value !== 'number' || !(value > 0) || value > max || (integer && !Number.isInteger(value))) {
      problems.push(
        `${field} must be ${integer ? 'a whole number' : 'a number'} from 1 to ${max}, got ${String(value)}`,
      );
    }
  };
  bounded('count', true);
  bounded('durationSeconds', false);
  bounded('ratePerSecond', false);
  if (request.count === undefined && request.durationSeconds === undefined) {
    problems.push('give a record count or a duration, so the send ends by itself');
  }
  return problems;
}

/** A sink that counts its failures by error code as they happen (the report has them only at the end). */
function countingSink(sink: RecordSink, reasons: Record<string, number>): RecordSink {
  return {
    async send(batch) {
      const result = await sink.send(batch);
      for (const failure of result.failed) reasons[failure.errorCode] = (reasons[failure.errorCode] ?? 0) + 1;
      return result;
    },
    close: () => sink.close(),
  };
}

export function generatorMessage(
  state: SendState,
  progress: GenerateProgress | undefined,
  report?: GenerateReport,
  error?: string,
): LiveMessage {
  const elapsed = (report?.durationMs ?? progress?.elapsedMs ?? 0) / 1000;
  const acknowledged = report?.acknowledged ?? progress?.acknowledged ?? 0;
  return {
    type: 'generator',
    at: Date.now(),
    state,
    sent: report?.attempted ?? progress?.attempted ?? 0,
    acknowledged,
    failed: report?.failed ?? progress?.failed ?? 0,
    ratePerSecond: report?.ratePerSecond ?? (elapsed > 0 ? acknowledged / elapsed : 0),
    reasons: { ...(report?.errors ?? {}), ...(report?.aborted ? { aborted: 1 } : {}) },
    ...(error || report?.aborted ? { error: error ?? report?.aborted } : {}),
  };
}

export function createSender(options: {
  publish: (message: LiveMessage) => void;
  endpoints: () => SendEndpoints;
  sinks: SinkFactory;
}) {
  let running: { controller: AbortController; done: Promise<void> } | undefined;
  let starting = false;
  /** Per target, every send of this console added up. */
  const totals = new Map<string, SendCounters>();

  return {
    running: () => running !== undefined,
    totals: () => [...totals.values()],
    /**
     * Starts a job once its target is found; throws (TemplateError, TargetError) when it cannot start.
     * Resolves when the job has started, not when it ends.
     */
    async start(request: SendRequest): Promise<void> {
      if (running || starting) throw new TargetError('a send is already running: stop it first');
      const problems = checkSendRequest(request);
      if (problems.length > 0) throw new TargetError(problems.join('; '));
      const template = compileTemplate(request.template, { seed: request.seed });
      const label = targetLabel(request.target);
      starting = true;
      let sink: RecordSink;
      try {
        sink = await options.sinks(request.target, options.endpoints());
      } finally {
        starting = false;
      }
      const reasons: Record<string, number> = {};
      const before = totals.get(label) ?? {
        target: label,
        state: 'running',
        sent: 0,
        acknowledged: 0,
        failed: 0,
        reasons: {},
      };
      const publish = (message: LiveMessage, now: Partial<SendCounters>) => {
        const current: SendCounters = {
          target: label,
          state: message.state as SendState,
          sent: before.sent + Number(message.sent),
          acknowledged: before.acknowledged + Number(message.acknowledged),
          failed: before.failed + Number(message.failed),
          reasons: { ...before.reasons },
        };
        for (const [reason, n] of Object.entries(now.reasons ?? {})) {
          current.reasons[reason] = (current.reasons[reason] ?? 0) + n;
        }
        totals.set(label, current);
        options.publish({
          ...message,
          target: label,
          reasons: { ...now.reasons },
          targets: [...totals.values()],
        });
      };
      const controller = new AbortController();
      let last: GenerateProgress | undefined;
      const done = generate({
        template,
        sink: countingSink(sink, reasons),
        count: request.count,
        durationSeconds: request.durationSeconds,
        ratePerSecond: request.ratePerSecond,
        seed: request.seed,
        flushIntervalMs: 200,
        signal: controller.signal,
        onProgress: (progress) => {
          last = progress;
          publish(generatorMessage('running', progress), { reasons });
        },
      })
        .then((report) => {
          const message = generatorMessage(controller.signal.aborted ? 'stopped' : 'done', last, report);
          publish(message, { reasons: message.reasons as Record<string, number> });
        })
        .catch((error: Error) =>
          publish(generatorMessage('failed', last, undefined, error.message), {
            reasons: { ...reasons, [error.name || 'Error']: 1 },
          }),
        )
        .finally(() => {
          running = undefined;
        });
      running = { controller, done };
      publish(generatorMessage('running', undefined), { reasons });
    },
    async stop(): Promise<void> {
      const job = running;
      job?.controller.abort();
      await job?.done;
    },
  };
}

export type Sender = ReturnType<typeof createSender>;
