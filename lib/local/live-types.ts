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
