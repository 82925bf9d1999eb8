/**
 * withDeadline aborts a request when the run stops or its deadline passes, and leaves nothing on the run's
 * stop signal once the request settles: what a long run holds is bounded by its requests in flight (per-call
 * AbortSignal.any on Node 20 kept a WeakRef per call on the stop signal forever).
 */
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { withDeadline } from '../../../lib/local/deadline';

/** A request that only ends by its signal (as fetch and the SDK do, an aborted signal ends it at once). */
const never = (signal: AbortSignal) =>
  new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });

describe('withDeadline', () => {
  it('resolves with what the request resolves', async () => {
    await expect(withDeadline(new AbortController().signal, 1000, async () => 42)).resolves.toBe(42);
  });

  it('aborts with a TimeoutError once the deadline passes', async () => {
    const started = Date.now();
    await expect(withDeadline(new AbortController().signal, 30, never)).rejects.toMatchObject({
      name: 'TimeoutError',
      message: 'The operation was aborted due to timeout (30 ms)',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('aborts with the stop reason when the run stops, and at once when it had stopped already', async () => {
    const stop = new AbortController();
    const pending = withDeadline(stop.signal, 60_000, never);
    stop.abort(new Error('Ctrl-C'));
    await expect(pending).rejects.toThrow('Ctrl-C');
    await expect(withDeadline(stop.signal, 60_000, never)).rejects.toThrow('Ctrl-C');
  });

  it('holds one listener per request in flight and none once they settle, failed ones included', async () => {
    const stop = new AbortController().signal;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inFlight = Array.from({ length: 5 }, () => withDeadline(stop, 60_000, () => gate));
    expect(getEventListeners(stop, 'abort')).toHaveLength(5);
    release();
    await Promise.all(inFlight);
    await expect(withDeadline(stop, 60_000, async () => Promise.reject(new Error('500')))).rejects.toThrow(
      '500',
    );
    expect(getEventListeners(stop, 'abort')).toHaveLength(0);
  });

  it('lets go of the stop signal as soon as it fires, even while the request has not settled yet', async () => {
    const stop = new AbortController();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let seen: AbortSignal | undefined;
    const pending = withDeadline(stop.signal, 60_000, (signal) => {
      seen = signal;
      return gate; // ignores its signal, as a request stuck in a driver might
    });
    stop.abort(new Error('Ctrl-C'));
    expect(seen?.aborted).toBe(true);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    release();
    await pending;
  });

  it('keeps the heap flat over 40,000 requests on one stop signal (AbortSignal.any grew it ~2 MB)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const stop = new AbortController().signal;
    const run = async (count: number) => {
      for (let i = 0; i < count; i += 1) await withDeadline(stop, 60_000, async () => i);
    };
    await run(5_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    await run(40_000);
    gc();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(512 * 1024);
  });
});
