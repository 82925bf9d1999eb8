/**
 * One live connection's queue: the feed's listener only pushes (never waits), the writer drains. When the
 * page reads slower than the run publishes, messages of a type already waiting replace the older one
 * (the latest counters are what a page shows) and past `limit` the oldest are dropped and counted.
 */
import type { LiveMessage } from '../../local/live-types';

export interface LiveQueue {
  push(message: LiveMessage): void;
  /** Everything waiting, in order; empties the queue. */
  take(): LiveMessage[];
  size(): number;
  dropped(): number;
  /** Resolves when something is waiting (at once if it already is). */
  ready(): Promise<void>;
}

/** Types whose every message matters (one per closed window, one per error record): never coalesced. */
const KEEP_EACH = new Set(['window', 'error']);

export function createLiveQueue(limit = 256): LiveQueue {
  let queue: LiveMessage[] = [];
  let lost = 0;
  let wake: (() => void) | undefined;
  return {
    push(message) {
      if (!KEEP_EACH.has(message.type)) {
        const index = queue.findIndex((waiting) => waiting.type === message.type);
        if (index >= 0) queue.splice(index, 1);
      }
      queue.push(message);
      if (queue.length > limit) {
        lost += queue.length - limit;
        queue = queue.slice(queue.length - limit);
      }
      wake?.();
      wake = undefined;
    },
    take() {
      const taken = queue;
      queue = [];
      return taken;
    },
    size: () => queue.length,
    dropped: () => lost,
    ready: () =>
      queue.length > 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            wake = resolve;
          }),
  };
}
