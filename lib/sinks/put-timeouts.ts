/**
 * How long one PutRecords request may take before the client gives up, by target and payload. Too short
 * a deadline makes duplicates (the server stores the records, answers late, the retry sends them again);
 * too long a one stalls a producer behind a dead server. Measured: kinesalite answers a 500-record,
 * ~100 KB request in tens of milliseconds and a 5 MiB one in about a second, even on a loaded machine;
 * kinesis-mock takes up to 6 s per call under four producers, and AWS documents no bound.
 */
export interface PutTimeout {
  /** Fixed part of the deadline. */
  baseMs: number;
  /** Added per MiB of request payload (data plus partition keys). */
  perMiBMs: number;
}

export const PUT_TIMEOUTS = {
  kinesalite: { baseMs: 30_000, perMiBMs: 15_000 },
  /** kinesis-mock, AWS and any endpoint not known to be kinesalite. */
  other: { baseMs: 120_000, perMiBMs: 60_000 },
} as const satisfies Record<string, PutTimeout>;

const MIB = 1024 * 1024;

/** The table's row for a target (a Kinesis emulator's name, or anything else). */
export function putTimeoutFor(target: string | undefined): PutTimeout {
  return target === 'kinesalite' ? PUT_TIMEOUTS.kinesalite : PUT_TIMEOUTS.other;
}

/** The deadline of one request of `bytes` payload bytes. */
export function putDeadlineMs(timeout: PutTimeout, bytes: number): number {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new Error(`putDeadlineMs: bytes must be a number >= 0, got ${String(bytes)}`);
  }
  return Math.ceil(timeout.baseMs + (timeout.perMiBMs * bytes) / MIB);
}

/**
 * Runs `call` with an abort signal that fires after `ms`, and gives up then even if the call ignores the
 * signal: the deadline comes out as a retryable `TimeoutError` naming it (an SDK AbortError is not retried).
 */
export async function withDeadline<T>(
  ms: number,
  what: string,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        Object.assign(
          new Error(`${what} got no answer within ${ms} ms (PUT_TIMEOUTS in lib/sinks/put-timeouts.ts)`),
          { name: 'TimeoutError', code: 'ETIMEDOUT' },
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([call(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
