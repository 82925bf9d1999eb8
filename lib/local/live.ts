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
  /**
   * Runs `refresh` at the start of every snapshot(), so a watcher joining mid-run gets the state of now;
   * what it `put`s becomes the latest of its type without going to the current listeners.
   */
  onSnapshot(refresh: (put: (message: LiveMessage) => void) => void): void;
}

export function createLiveChannel(): LiveChannel {
  const listeners = new Set<(message: LiveMessage) => void>();
  const latest = new Map<string, LiveMessage>();
  const refreshers: ((put: (message: LiveMessage) => void) => void)[] = [];
  const put = (message: LiveMessage) => {
    latest.set(message.type, message);
  };
  let current: PipelineGraph = { nodes: [], edges: [] };
  return {
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
