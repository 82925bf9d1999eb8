/**
 * Notices a dead or hung emulator while a local run goes on: the process kpipe started exits (seen at once),
 * or its endpoint stops answering a cheap HTTP call (any HTTP answer, an auth error included, means it is
 * up). Without it a run retries a dead Kinesis for minutes and Ctrl-C drains into the void.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { withDeadline } from './deadline';

export interface WatchedEmulator {
  /** How the line names it: `kinesalite`, `s3rver`, or `the Kinesis emulator` for an external one. */
  name: string;
  endpoint: string;
  /** Set for a process kpipe started: resolves with how it ended (`killed by SIGKILL`, `exit code 1`). */
  exited?: Promise<string>;
  /** The way out, for the line: what the user does next. */
  remedy: string;
  /**
   * When the run's own requests last got an HTTP answer (answerClock): a busy emulator that serves them
   * but not the health call in time (kinesis-mock takes one request at a time) is slow, not hung.
   */
  answeredAt?: () => number;
}

export interface EmulatorDown {
  name: string;
  endpoint: string;
  cause: string;
  /** One line for the terminal: the emulator, the cause and the way out. */
  line: string;
}

export interface WatchOptions {
  /** Pause between health calls of one endpoint (default 500 ms). */
  intervalMs?: number;
  /** A health call not answered within this is a failure (default 2,000 ms). */
  timeoutMs?: number;
  /**
   * Failed calls in a row that make it dead (default 3: 3 × (500 + 2,000) = 7.5 s after it hangs, 10 s if
   * one call was excused by an answer to the run just before).
   */
  failures?: number;
}

export interface EmulatorWatch {
  /** Resolves when the first emulator is found dead or hung; never rejects. */
  readonly down: Promise<EmulatorDown>;
  stop(): void;
}

/** One HTTP request; undefined when the emulator answered, else why not. */
async function probe(endpoint: string, timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
  try {
    await withDeadline(signal, timeoutMs, async (deadline) => {
      const response = await fetch(endpoint, { method: 'GET', signal: deadline });
      await response.body?.cancel();
    });
    return undefined;
  } catch (error) {
    if (signal.aborted) return undefined;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if ((error as Error).name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}

export function describeDown(emulator: WatchedEmulator, cause: string): EmulatorDown {
  return {
    name: emulator.name,
    endpoint: emulator.endpoint,
    cause,
    line: `kpipe: ${emulator.name} (${emulator.endpoint}) ${cause}: the run stops now; ${emulator.remedy}`,
  };
}

export function watchEmulators(emulators: WatchedEmulator[], options: WatchOptions = {}): EmulatorWatch {
  const intervalMs = options.intervalMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const failures = options.failures ?? 3;
  const controller = new AbortController();
  let report!: (down: EmulatorDown) => void;
  const down = new Promise<EmulatorDown>((resolve) => {
    report = (found) => {
      if (controller.signal.aborted) return;
      controller.abort();
      resolve(found);
    };
  });
  for (const emulator of emulators) {
    void emulator.exited?.then((how) => report(describeDown(emulator, `exited (${how})`)));
    void (async () => {
      let failed = 0;
      let last = '';
      while (!controller.signal.aborted) {
        const started = Date.now();
        let error = await probe(emulator.endpoint, timeoutMs, controller.signal);
        if ((emulator.answeredAt?.() ?? 0) >= started) error = undefined;
        failed = error === undefined ? 0 : failed + 1;
        last = error ?? last;
        if (failed >= failures) {
          report(describeDown(emulator, `stopped answering (${failed} health calls in a row: ${last})`));
          return;
        }
        await delay(intervalMs, undefined, { signal: controller.signal }).catch(() => undefined);
      }
    })();
  }
  return { down, stop: () => controller.abort() };
}

type Handler = (args: unknown) => Promise<unknown>;
interface WithMiddleware {
  middlewareStack: { add(middleware: (next: Handler) => Handler, options: object): void };
}

/** Records when an SDK client last got an HTTP answer (an error status too); the time, for answeredAt. */
export function answerClock(client: object): () => number {
  let last = 0;
  (client as WithMiddleware).middlewareStack.add(
    (next) => async (args) => {
      try {
        const result = await next(args);
        last = Date.now();
        return result;
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode) {
          last = Date.now();
        }
        throw error;
      }
    },
    { step: 'deserialize', name: 'kpipeAnswerClock' },
  );
  return () => last;
}

/** Thrown by the run when an emulator died: what it still had in flight, for the summary. */
export class EmulatorDownError extends Error {
  constructor(
    readonly down: EmulatorDown,
    readonly inFlight: string[],
  ) {
    super(down.line.replace(/^kpipe: /, ''));
    this.name = 'EmulatorDownError';
  }
}

export interface Supervision {
  /** Rejects when an emulator is down for good (not restarted); never resolves. */
  readonly down: Promise<never>;
  stop(): void;
}

/**
 * Watches the emulators; one found down is restarted when `restart` can (it resolves true), and the watch
 * starts over on the emulators as they are then; otherwise `down` rejects with `fail(down)`.
 */
export function superviseEmulators(options: {
  emulators: () => WatchedEmulator[];
  restart: (down: EmulatorDown) => Promise<boolean>;
  fail: (down: EmulatorDown) => Error;
  watch?: WatchOptions;
}): Supervision {
  let current: EmulatorWatch | undefined;
  let stopped = false;
  const next = (): Promise<never> => {
    current = watchEmulators(options.emulators(), options.watch);
    return current.down.then(async (down) => {
      if (!stopped && (await options.restart(down).catch(() => false)) && !stopped) return next();
      throw options.fail(down);
    });
  };
  const down = next();
  down.catch(() => undefined);
  return {
    down,
    stop: () => {
      stopped = true;
      current?.stop();
    },
  };
}
