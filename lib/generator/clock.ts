/** Time source and sleeper for the scheduler, injectable so tests run on virtual time. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Lets other work run between batches; defaults to one event-loop turn. */
  yield?(): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface VirtualClock extends Clock {
  /** Number of sleeps that have not yet been woken. */
  pending(): number;
}

/**
 * Discrete-event time for tests: `sleep` registers a wake-up, and once the event loop has run every queued
 * callback (a `setImmediate` turn) time jumps to the earliest wake-up. Only valid when all the asynchronous
 * work under test is in-memory promises or sleeps on this clock.
 */
export function createVirtualClock(startMs = 0): VirtualClock {
  let now = startMs;
  let sequence = 0;
  let pumping = false;
  const timers: { at: number; sequence: number; wake: () => void }[] = [];
  const pump = (): void => {
    pumping = false;
    if (timers.length === 0) return;
    timers.sort((a, b) => a.at - b.at || a.sequence - b.sequence);
    const next = timers.shift() as (typeof timers)[number];
    now = Math.max(now, next.at);
    next.wake();
    schedule();
  };
  const schedule = (): void => {
    if (pumping || timers.length === 0) return;
    pumping = true;
    setImmediate(pump);
  };
  return {
    now: () => now,
    pending: () => timers.length,
    // A real event-loop turn would let the pump advance time under a generator that never sleeps.
    yield: () => Promise.resolve(),
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        timers.push({ at: now + Math.max(0, ms), sequence: (sequence += 1), wake: resolve });
        schedule();
      }),
  };
}

/** Resolves on the next turn of the event loop, so signal handlers and I/O callbacks get a chance to run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
