/**
 * What a running `kpipe local` tells its watchers (the local console) while it runs. The runtime
 * publishes; a watcher subscribes and gets every message from then on, plus `snapshot()` for the
 * state so far. Publishing never waits for a watcher: a slow page must not slow the pipeline.
 */

/** One message; `type` names its shape (for example `stages`, `error`, `window`), `at` is epoch ms. */
export interface LiveMessage {
  type: string;
  at: number;
  [field: string]: unknown;
}

export interface PipelineGraphNode {
  id: string;
  label: string;
  /** What the node is: `stream`, `consumer`, `sink`, `firehose`, `transformer`, `objects`, `converter`, `lake`, `windows`, `errors`, ... */
  kind: string;
}

/** The stages pipeline.yml defines, as a graph the console draws. */
export interface PipelineGraph {
  nodes: PipelineGraphNode[];
  edges: { from: string; to: string }[];
}

export interface LiveFeed {
  graph(): PipelineGraph;
  /** The latest message of each kind so far, for a page that connects mid-run. */
  snapshot(): LiveMessage[];
  /** Calls `listener` for every message published from now on; returns the unsubscribe function. */
  subscribe(listener: (message: LiveMessage) => void): () => void;
}

/**
 * What `kpipe local` publishes on its live channel (live.ts) while it runs. The message types, in one place
 * (every message also has `type` and `at`, epoch ms):
 *
 * - `stages`  `{ final, intervalMs, stages: StageStatus[] }`, about once a second and once at the end: per
 *   graph node (`id` as in `graph()`), `in` / `out` / `dropped` / `failed` counts in the stage's `unit`
 *   (null where the stage has no such count), the same four as `inPerSecond` ... over the last
 *   `intervalMs`, and `detail` figures. What each count counts, per stage: live-stages.ts.
 * - `shards`  `{ mappings: [{ stage, shards: [{ shardId, iteratorAgeMs, bufferedRecords, finished }] }] }`:
 *   iterator age per shard of each event source mapping (consumer, firehose source, windows).
 * - `buffers` `{ available, buffers: LiveBufferFill[] }`: the delivery stream's buffers (processor, each
 *   partition, error, backup) with records, bytes, age and the size/interval they flush at.
 * - `errors`  `{ byReason: [{ stage, reason, count }], last: ErrorSample[], limit, sampled }`: counts by
 *   reason, and the last `limit` error records of each stage (merged, oldest first) with their raw data cut
 *   to `rawLimit` bytes (`truncated: true` then, `rawBytes` the full size): the consumer's, the delivery
 *   stream's processing failures (`firehose`), its failed S3 writes (`objects`), format-conversion
 *   failures (`converter`), failed invocations of any mapping.
 *   Sent again only when an error happened since (and in every snapshot and at the end).
 * - `window`  `{ stage, shardId, windowStart, windowEnd, part, rows }`: a window's result rows as the
 *   window aggregator's SQL produced them, published as the window closes (rows delivered to its sink); a
 *   window whose state outgrew its limit arrives in parts (`part` 0, 1, ...), each with its groups' rows.
 * - `windows` `{ windows: WindowMessage[] }`: the last closed windows (at most 200), for a watcher that joins
 *   mid-run or a page that shows its dashboard later: with the other four when a window closed since.
 *
 * Publishing never waits on a watcher, and costs a counter read when nobody watches: the periodic tick
 * returns at once; a watcher's snapshot() refreshes everything first.
 */

/** A stage's counts in its `unit` (null: the stage has no such count) and their rates over `intervalMs`. */
export interface StageStatus {
  id: string;
  unit: string;
  in: number | null;
  out: number | null;
  dropped: number | null;
  failed: number | null;
  inPerSecond: number | null;
  outPerSecond: number | null;
  droppedPerSecond: number | null;
  failedPerSecond: number | null;
  detail?: Record<string, number>;
}

export interface StagesMessage extends LiveMessage {
  type: 'stages';
  /** The run has drained: these are its final counts (a console kept open after the run shows them). */
  final: boolean;
  intervalMs: number;
  stages: StageStatus[];
}

/** Iterator age per shard of one event source mapping (the stage it feeds). */
export interface ShardAges {
  stage: string;
  shards: { shardId: string; iteratorAgeMs: number; bufferedRecords: number; finished: boolean }[];
}

export interface ShardsMessage extends LiveMessage {
  type: 'shards';
  mappings: ShardAges[];
}

/** One buffer of the delivery stream (the emulated Firehose's bufferFill()). */
export interface LiveBufferFill {
  stage: 'processor' | 'partition' | 'error' | 'backup';
  /** Partition key values (`event_type=click`), the error output type, or ''. */
  partition: string;
  records: number;
  bytes: number;
  ageMs: number;
  maxBytes: number;
  intervalMs: number;
}

export interface BuffersMessage extends LiveMessage {
  type: 'buffers';
  available: boolean;
  buffers: LiveBufferFill[];
}

export interface ErrorCount {
  stage: string;
  reason: string;
  count: number;
}

export interface ErrorSample {
  at: number;
  stage: string;
  reason: string;
  message?: string;
  /** The record's first bytes as UTF-8 text (invalid bytes as U+FFFD). */
  rawData: string;
  rawBytes: number;
  truncated: boolean;
}

export interface ErrorsMessage extends LiveMessage {
  type: 'errors';
  byReason: ErrorCount[];
  /** Oldest first. */
  last: ErrorSample[];
  /** Error records kept per stage. */
  limit: number;
  /** Error records seen so far (the rings keep `limit` per stage). */
  sampled: number;
}

export interface WindowMessage extends LiveMessage {
  type: 'window';
  stage: string;
  shardId: string;
  windowStart: string;
  windowEnd: string;
  part: number;
  rows: Record<string, unknown>[];
}

export interface WindowsMessage extends LiveMessage {
  type: 'windows';
  windows: WindowMessage[];
}
