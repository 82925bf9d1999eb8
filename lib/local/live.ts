/**
 * The channel between a running `kpipe local` and its watchers: the runtime publishes, the console
 * subscribes. Fan-out is synchronous and a listener that throws is dropped, so a broken or slow page
 * never stops the pipeline (a listener that needs to queue does so itself, bounded).
 */
import type { LiveFeed, LiveMessage, PipelineGraph } from './live-types';

export interface LiveChannel extends LiveFeed {
  publish(message: LiveMessage): void;
  setGraph(graph: PipelineGraph): void;
}

export function createLiveChannel(): LiveChannel {
  const listeners = new Set<(message: LiveMessage) => void>();
  const latest = new Map<string, LiveMessage>();
  let current: PipelineGraph = { nodes: [], edges: [] };
  return {
    graph: () => current,
    setGraph(graph) {
      current = graph;
    },
    snapshot: () => [...latest.values()],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish(message) {
      latest.set(message.type, message);
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
