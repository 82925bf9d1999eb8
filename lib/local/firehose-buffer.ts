/**
 * Buffering for the emulated delivery stream: a clock that tests can drive by hand, and a buffer that hands
 * its contents on when it reaches a byte size or when an interval has passed since its first item, whichever
 * comes first (Firehose's BufferingHints and the Lambda processor's BufferSizeInMBs / BufferIntervalInSeconds).
 */

/** An opaque timer handle, as returned by `Clock.setTimer`. */
export type TimerHandle = unknown;

/** Time and timers, injectable so buffering can be tested without waiting. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The real clock: `Date.now` and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface ManualTimer {
  id: number;
  due: number;
  callback: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` moves time forward and runs every timer that falls due,
 * in due order (a timer set by a callback runs too if it falls inside the step).
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  constructor(start = Date.UTC(2026, 10, 22, 12, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, due: this.current + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** Timers not yet run. */
  pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running due timers; returns how many ran. */
  advance(ms: number): number {
    const target = this.current + ms;
    let ran = 0;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.timers) {
        if (timer.due <= target && (next === undefined || timer.due < next.due)) next = timer;
      }
      if (next === undefined) break;
      const due = next;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.current = Math.max(this.current, due.due);
      due.callback();
      ran += 1;
    }
    this.current = target;
    return ran;
  }
}

export type FlushReason = 'size' | 'interval' | 'forced';

export interface BufferLimits {
  /** Flush once the buffered bytes reach this. */
  maxBytes: number;
  /** Flush this long after the first item entered an empty buffer. */
  intervalMs: number;
}

export type FlushHandler<T> = (items: T[], bytes: number, reason: FlushReason) => void;

/**
 * Holds items until `maxBytes` or `intervalMs` is reached. An item that would push a non-empty buffer past
 * `maxBytes` flushes what is there first, so a batch never exceeds the limit unless one item alone does (the
 * Lambda payload limit depends on it). `onFlush` is called synchronously; the caller does any async work.
 */
export class SizeIntervalBuffer<T> {
  private items: T[] = [];
  private bytes = 0;
  private timer: TimerHandle | undefined;
  private firstAt = 0;

  constructor(
    private readonly limits: BufferLimits,
    private readonly clock: Clock,
    private readonly onFlush: FlushHandler<T>,
  ) {
    if (!(limits.maxBytes > 0)) throw new RangeError(`buffer maxBytes must be > 0, got ${limits.maxBytes}`);
    if (!(limits.intervalMs >= 0)) {
      throw new RangeError(`buffer intervalMs must be >= 0, got ${limits.intervalMs}`);
    }
  }

  get length(): number {
    return this.items.length;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** When the first item of the current contents arrived (clock time), or undefined when empty. */
  get startedAt(): number | undefined {
    return this.items.length === 0 ? undefined : this.firstAt;
  }

  add(item: T, bytes: number): void {
    if (this.items.length > 0 && this.bytes + bytes > this.limits.maxBytes) this.flush('size');
    if (this.items.length === 0) {
      this.firstAt = this.clock.now();
      this.timer = this.clock.setTimer(() => {
        this.timer = undefined;
        this.flush('interval');
      }, this.limits.intervalMs);
    }
    this.items.push(item);
    this.bytes += bytes;
    if (this.bytes >= this.limits.maxBytes) this.flush('size');
  }

  /** Hands the contents to `onFlush` (nothing when empty) and clears the timer. */
  flush(reason: FlushReason = 'forced'): void {
    this.clearTimer();
    if (this.items.length === 0) return;
    const items = this.items;
    const bytes = this.bytes;
    this.items = [];
    this.bytes = 0;
    this.onFlush(items, bytes, reason);
  }

  /** Clears the timer and returns the contents without flushing them. */
  take(): T[] {
    this.clearTimer();
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    return items;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimer(this.timer);
      this.timer = undefined;
    }
  }
}
