/**
 * What the console's page shell gives each tab (runs in the browser). The shell holds the token,
 * opens the one live connection and dispatches its messages by type.
 */
import type { LiveMessage, PipelineGraph } from '../../local/live-types';

export interface ConsoleContext {
  /** fetch() against the console's server with the run's token attached. */
  api(path: string, init?: RequestInit): Promise<Response>;
  graph(): Promise<PipelineGraph>;
  /** Messages of one type from the run's live feed (the latest one first, if any); returns unsubscribe. */
  subscribe(type: string, listener: (message: LiveMessage) => void): () => void;
}

export interface ConsoleTab {
  id: string;
  title: string;
  mount(root: HTMLElement, context: ConsoleContext): void;
}
