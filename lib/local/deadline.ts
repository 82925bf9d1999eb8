/**
 * A request's abort signal: the run's stop signal plus a deadline, released when the request settles.
 *
 * Not `AbortSignal.any([stop, AbortSignal.timeout(ms)])` per request: on Node 20 every call adds a WeakRef
 * to the long-lived stop signal's set of dependants that is never removed (~57 bytes a call, measured with
 * a forced GC), so a `--follow` run that polls each shard several times a second grew its heap for as long
 * as it ran. Here the listener on the stop signal is removed and the timer cleared when the request ends,
 * so what a run holds is bounded by its requests in flight.
 */

/** The reason an expired deadline aborts with: a TimeoutError, as AbortSignal.timeout gives. */
function timeoutError(ms: number): DOMException {
  return new DOMException(`The operation was aborted due to timeout (${ms} ms)`, 'TimeoutError');
}

/**
 * Runs `request` with a signal that aborts when `stop` does (with its reason) or after `timeoutMs` (with a
 * TimeoutError); everything it added to `stop` is gone once `request` settles.
 */
export async function withDeadline<T>(
  stop: AbortSignal,
  timeoutMs: number,
  request: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onStop = () => controller.abort(stop.reason);
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  const timer = setTimeout(() => controller.abort(timeoutError(timeoutMs)), timeoutMs);
  timer.unref();
  try {
    return await request(controller.signal);
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}
