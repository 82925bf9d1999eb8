/**
 * The channel between a running `kpipe local` and its watchers: the runtime publishes, the console
 * subscribes. Fan-out is synchronous and a listener that throws is dropped, so a broken or slow page
 * never stops the pipeline (a listener that needs to queue does so itself, bounded).
 */
import type { LiveFeed, LiveMessage, PipelineGraph } from './live-types';

export interface LiveChannel extends LiveFeed {
  publish(message: LiveMessage): void;
  setGraph(graph: PipelineGraph): void;
  /** Someone is subscribed: a publisher skips the work of building messages nobody reads. */
  watching(): boolean;
  /** Runs `refresh` at the start of every snapshot(), so a watcher joining mid-run gets the state of now. */
  onSnapshot(refresh: () => void): void;
}

export function createLiveChannel(): LiveChannel {
  const listeners = new Set<(message: LiveMessage) => void>();
  const latest = new Map<string, LiveMessage>();
  const refreshers: (() => void)[] = [];
  let current: PipelineGraph = { nodes: [], edges: [] };
  return {
    graph: () => current,
    setGraph(graph) {
      current = graph;
    },
    snapshot: () => {
      for (const refresh of refreshers) refresh();
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
