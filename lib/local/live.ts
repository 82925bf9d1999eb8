/**
 * The channel between a running `kpipe local` and its watchers: the runtime publishes, the console
 * subscribes. Fan-out is synchronous and a listener that throws is dropped, so a broken or slow page
 * never stops the pipeline (a listener that needs to queue does so itself, bounded).
 */
import type { LiveFeed, LiveMessage, PipelineGraph } from './live-types';

/**
 * A delivery stream the run emulates in this process: the console's Generator sends to it directly, as
 * PutRecordBatch would (there is no Firehose endpoint to reach it through).
 */
export interface LocalDeliveryStream {
  name: string;
  /** The stream it reads (`delivery.source: kinesis`): it then refuses PutRecordBatch, as the service does. */
  sourceStream?: string;
  /** PutRecordBatch: 1-500 records, 4 MiB; throws (a named error) as the service would refuse the call. */
  put(records: readonly Uint8Array[]): { failedPutCount: number };
}

export interface LiveChannel extends LiveFeed {
  publish(message: LiveMessage): void;
  setGraph(graph: PipelineGraph): void;
  /** Someone is subscribed: a publisher skips the work of building messages nobody reads. */
  watching(): boolean;
  /**
   * Runs `refresh` at the start of every snapshot(), so a watcher joining mid-run gets the state of now;
   * what it `put`s becomes the latest of its type without going to the current listeners.
   */
  onSnapshot(refresh: (put: (message: LiveMessage) => void) => void): void;
  /** The run offers one of its delivery streams to the console; the returned function withdraws it. */
  addDeliveryStream(stream: LocalDeliveryStream): () => void;
  /** The delivery streams running in this process now. */
  deliveryStreams(): LocalDeliveryStream[];
}

export function createLiveChannel(): LiveChannel {
  const listeners = new Set<(message: LiveMessage) => void>();
  const latest = new Map<string, LiveMessage>();
  const refreshers: ((put: (message: LiveMessage) => void) => void)[] = [];
  const put = (message: LiveMessage) => {
    latest.set(message.type, message);
  };
  let current: PipelineGraph = { nodes: [], edges: [] };
  const deliveryStreams = new Set<LocalDeliveryStream>();
  return {
    addDeliveryStream(stream) {
      deliveryStreams.add(stream);
      return () => deliveryStreams.delete(stream);
    },
    deliveryStreams: () => [...deliveryStreams],
    graph: () => current,
    setGraph(graph) {
      current = graph;
    },
    snapshot: () => {
      for (const refresh of refreshers) refresh(put);
      return [...latest.values()];
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    watching: () => listeners.size > 0,
    onSnapshot(refresh) {
      refreshers.push(refresh);
    },
    publish(message) {
      put(message);
      for (const listener of listeners) {
        try {
          listener(message);
        } catch {
          listeners.delete(listener);
        }
      }
    },
  };
}
