/**
 * The console's page shell: reads the token from the URL, opens the one live connection (server-sent
 * events) and dispatches its messages by type, and shows one tab at a time (tabs.ts).
 */
import './style.css';
import type { LiveMessage, PipelineGraph } from '../../local/live-types';
import type { ConsoleContext } from './context';
import { el } from './dom';
import { TABS } from './tabs';

const token = new URLSearchParams(location.search).get('token') ?? '';
const listeners = new Map<string, Set<(message: LiveMessage) => void>>();
const latest = new Map<string, LiveMessage>();

const context: ConsoleContext = {
  api: (path, init = {}) =>
    fetch(path, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), 'x-console-token': token },
    }),
  graph: async () => (await (await context.api('/api/graph')).json()) as PipelineGraph,
  subscribe(type, listener) {
    const set = listeners.get(type) ?? new Set();
    listeners.set(type, set);
    set.add(listener);
    const last = latest.get(type);
    if (last) listener(last);
    return () => set.delete(listener);
  },
};

const status = document.getElementById('status')!;
const live = new EventSource(`/api/live?token=${encodeURIComponent(token)}`);
live.onopen = () => (status.textContent = 'live');
live.onerror = () => (status.textContent = 'live feed lost: is kpipe local still running?');
live.onmessage = (event: MessageEvent<string>) => {
  const message = JSON.parse(event.data) as LiveMessage;
  latest.set(message.type, message);
  for (const listener of listeners.get(message.type) ?? []) listener(message);
};

const nav = document.getElementById('tabs')!;
const main = document.getElementById('tab')!;
const panels = new Map<string, HTMLElement>();
function show(id: string) {
  const tab = TABS.find((candidate) => candidate.id === id) ?? TABS[0]!;
  for (const [key, panel] of panels) panel.hidden = key !== tab.id;
  if (!panels.has(tab.id)) {
    const panel = el('section', { id: `tab-${tab.id}` });
    panels.set(tab.id, panel);
    main.append(panel);
    tab.mount(panel, context);
  }
  for (const button of nav.querySelectorAll('button'))
    button.classList.toggle('active', button.dataset.tab === tab.id);
  history.replaceState(null, '', `?token=${encodeURIComponent(token)}#${tab.id}`);
}
for (const tab of TABS) {
  const button = el('button', { 'data-tab': tab.id }, tab.title);
  button.onclick = () => show(tab.id);
  nav.append(button);
}
show(location.hash.slice(1));
