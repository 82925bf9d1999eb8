/**
 * The run's publisher on the live channel (live.ts): builds the messages live-types.ts describes from the
 * run's counters, rates them, keeps the last error records and closed windows in bounded rings.
 */
import type { LiveChannel } from './live';
import { STAGE } from './live-graph';
import { errorsByReason, stageCounts, type RunCounters } from './live-stages';
import type {
  BuffersMessage,
  LiveMessage,
  ErrorsMessage,
  ShardsMessage,
  StagesMessage,
  WindowsMessage,
  ErrorCount,
  ErrorSample,
  LiveBufferFill,
  ShardAges,
  StageStatus,
  WindowMessage,
} from './live-types';

export interface LiveReading {
  run: RunCounters;
  shards: ShardAges[];
  /** Undefined when the delivery stream cannot tell (or there is none). */
  buffers: LiveBufferFill[] | undefined;
}

export interface ErrorInput {
  stage: string;
  reason: string;
  message?: string;
  /** Raw bytes, or base64 text (as error records carry them). */
  rawData: Uint8Array | string;
}

export interface ClosedWindow {
  shardId: string;
  windowStart: string;
  windowEnd: string;
  part: number;
  rows: Record<string, unknown>[];
}

export interface LivePublisherOptions {
  channel: LiveChannel;
  read: () => LiveReading;
  now?: () => number;
  /** Error records kept per stage (default 20): a flood in one stage does not hide another's. */
  errorLimit?: number;
  /** Bytes of raw data kept per error record (default 512). */
  rawLimit?: number;
  /** Closed windows kept for a watcher that joins late (default 200). */
  windowLimit?: number;
}

export interface LivePublisher {
  /** The periodic publication; does nothing while nobody watches. */
  tick(): void;
  /** Publishes stages, shards, buffers and errors whoever watches (the end of the run, a snapshot). */
  /** `final`: the run has drained; every later publication says so too. */
  publish(final?: boolean): void;
  error(input: ErrorInput): void;
  windowClosed(window: ClosedWindow): void;
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`ring limit must be ≥ 1, got ${limit}`);
}

/** A bounded ring: keeps the last `limit` items pushed. */
export class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;
  pushed = 0;

  constructor(readonly limit: number) {
    checkLimit(limit);
  }

  push(item: T): void {
    this.pushed += 1;
    if (this.items.length < this.limit) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.limit;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.items.length < this.limit
      ? [...this.items]
      : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

/** The last `limit` error records of each stage; `toArray()` merges them, oldest first. */
class StageRings {
  private readonly rings = new Map<string, Ring<{ sample: ErrorSample; order: number }>>();
  pushed = 0;

  constructor(readonly limit: number) {
    checkLimit(limit);
  }

  push(sample: ErrorSample): void {
    let ring = this.rings.get(sample.stage);
    if (ring === undefined) {
      ring = new Ring(this.limit);
      this.rings.set(sample.stage, ring);
    }
    ring.push({ sample, order: this.pushed });
    this.pushed += 1;
  }

  toArray(): ErrorSample[] {
    return [...this.rings.values()]
      .flatMap((ring) => ring.toArray())
      .sort((a, b) => a.order - b.order)
      .map((entry) => entry.sample);
  }
}

/** The first `limit` bytes of a record, as text; base64 input is decoded only as far as needed. */
export function rawSample(
  raw: Uint8Array | string,
  limit: number,
): Pick<ErrorSample, 'rawData' | 'rawBytes' | 'truncated'> {
  let bytes: Buffer;
  let total: number;
  if (typeof raw === 'string') {
    const padding = raw.endsWith('==') ? 2 : raw.endsWith('=') ? 1 : 0;
    total = Math.max(0, Math.floor((raw.length * 3) / 4) - padding);
    bytes = Buffer.from(raw.slice(0, Math.ceil(limit / 3) * 4), 'base64');
  } else {
    total = raw.byteLength;
    bytes = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, limit));
  }
  const kept = bytes.subarray(0, limit);
  return { rawData: kept.toString('utf8'), rawBytes: total, truncated: total > kept.byteLength };
}

const RATES = ['in', 'out', 'dropped', 'failed'] as const;

export function createLivePublisher(options: LivePublisherOptions): LivePublisher {
  const { channel, read } = options;
  const now = options.now ?? Date.now;
  const rawLimit = options.rawLimit ?? 512;
  const errors = new StageRings(options.errorLimit ?? 20);
  const windows = new Ring<WindowMessage>(options.windowLimit ?? 200);
  let previous: { at: number; stages: Record<string, StageStatus> } = { at: now(), stages: {} };
  let windowsPublished = -1;
  let errorsPublished = '';

  let ended = false;
  /** `put` (a snapshot's) sets the latest messages without sending them to the current listeners. */
  const publish = (final = false, put?: (message: LiveMessage) => void): void => {
    const send = put ?? ((message: LiveMessage) => channel.publish(message));
    ended ||= final;
    const at = now();
    const reading = read();
    const intervalMs = Math.max(1, at - previous.at);
    const stages: Record<string, StageStatus> = {};
    for (const [id, counts] of Object.entries(stageCounts(reading.run))) {
      const before = previous.stages[id];
      const status: StageStatus = {
        id,
        ...counts,
        inPerSecond: null,
        outPerSecond: null,
        droppedPerSecond: null,
        failedPerSecond: null,
      };
      for (const name of RATES) {
        const value = counts[name];
        if (value !== null)
          status[`${name}PerSecond`] = ((value - (before?.[name] ?? 0)) * 1000) / intervalMs;
      }
      stages[id] = status;
    }
    // Rates are over the listeners' interval: a snapshot between two ticks does not shorten it.
    if (!put) previous = { at, stages };
    const byReason: ErrorCount[] = errorsByReason(reading.run);
    send({
      type: 'stages',
      at,
      final: ended,
      intervalMs,
      stages: Object.values(stages),
    } satisfies StagesMessage);
    send({ type: 'shards', at, mappings: reading.shards } satisfies ShardsMessage);
    send({
      type: 'buffers',
      at,
      available: reading.buffers !== undefined,
      buffers: reading.buffers ?? [],
    } satisfies BuffersMessage);
    // The error records are the largest message: sent again only when something failed since.
    const errorsNow = `${errors.pushed}:${byReason.map((error) => error.count).join(',')}`;
    if (put || final || errorsNow !== errorsPublished) {
      if (!put) errorsPublished = errorsNow;
      send({
        type: 'errors',
        at,
        byReason,
        last: errors.toArray(),
        limit: errors.limit,
        sampled: errors.pushed,
      } satisfies ErrorsMessage);
    }
    // A page that mounts its dashboard later reads the windows closed meanwhile from the latest history.
    // The listeners' copy of the history is only renewed by what they are sent.
    if (put || windowsPublished !== windows.pushed) {
      if (!put) windowsPublished = windows.pushed;
      send({ type: 'windows', at, windows: windows.toArray() } satisfies WindowsMessage);
    }
  };

  // The latest of each type, `windows` included, is then the state of now.
  channel.onSnapshot((put) => publish(false, put));

  return {
    tick() {
      if (channel.watching()) publish();
    },
    publish: (final) => publish(final),
    error(input) {
      errors.push({
        at: now(),
        stage: input.stage,
        reason: input.reason,
        ...(input.message !== undefined && { message: input.message }),
        ...rawSample(input.rawData, rawLimit),
      });
    },
    windowClosed(window) {
      const message: WindowMessage = {
        type: 'window',
        at: now(),
        stage: STAGE.windows,
        shardId: window.shardId,
        windowStart: window.windowStart,
        windowEnd: window.windowEnd,
        part: window.part,
        rows: window.rows,
      };
      windows.push(message);
      channel.publish(message);
    },
  };
}
