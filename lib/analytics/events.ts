/**
 * Tumbling-window events as Lambda sends them, and the window a record falls in. Used by the tests, the
 * sample event and the local runtime's emulated event source mapping (which must invoke with the previous
 * state, and once more with `isFinalInvokeForWindow` when a window closes).
 */
import { kinesisStreamEvent, shardId as shardName, type StreamRecordInput } from '../events/factories';
import type { WindowEvent } from './window';

export interface WindowBounds {
  start: string;
  end: string;
}

/** Lambda aligns tumbling windows to the epoch: [floor(t / length) * length, + length). */
export function windowOf(arrivalMillis: number, tumblingWindowInSeconds: number): WindowBounds {
  const length = tumblingWindowInSeconds * 1000;
  const start = Math.floor(arrivalMillis / length) * length;
  // As Lambda prints them: ISO 8601 in UTC, whole seconds.
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { start: iso(start), end: iso(start + length) };
}

export interface WindowEventOptions {
  window: WindowBounds;
  /** The state the previous invocation returned; `{}` for a new window. */
  state?: object;
  final?: boolean;
  terminatedEarly?: boolean;
  shard?: string;
  streamName?: string;
  /** Arrival time of the first record (epoch ms) when records do not carry their own; default the window start. */
  startTime?: number;
}

export function tumblingWindowEvent(records: StreamRecordInput[], options: WindowEventOptions): WindowEvent {
  const shard = options.shard ?? shardName(0);
  const base = kinesisStreamEvent(records, {
    shard,
    streamName: options.streamName,
    startTime: options.startTime ?? Date.parse(options.window.start),
  });
  return {
    ...base,
    window: options.window,
    state: (options.state ?? {}) as Record<string, unknown>,
    shardId: shard,
    eventSourceARN: base.Records[0]?.eventSourceARN,
    isFinalInvokeForWindow: options.final ?? false,
    isWindowTerminatedEarly: options.terminatedEarly ?? false,
  };
}
