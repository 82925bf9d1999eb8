/**
 * The Pipeline tab: the stages pipeline.yml defines drawn as a graph (SVG), each with its live in / out /
 * dropped / failed counts and rates; iterator age per shard; Firehose buffer fill per partition; errors by
 * reason; the last error records with their raw data. Everything from the run is set as text, never as
 * HTML: raw records are whatever a producer sent.
 */
import type {
  BuffersMessage,
  ErrorsMessage,
  PipelineGraph,
  ShardsMessage,
  StagesMessage,
  StageStatus,
} from '../../local/live-types';
import type { ConsoleContext, ConsoleTab } from './context';
import {
  formatAge,
  formatBytes,
  formatCount,
  layoutGraph,
  nodeLines,
  shortLabel,
  type GraphLayout,
} from './graph-layout';

const SVG = 'http://www.w3.org/2000/svg';

const STYLE = `
.kp-pipeline svg { width: 100%; height: auto; max-height: 70vh; }
.kp-pipeline .node rect { fill: #f6f8fa; stroke: #57606a; rx: 6; }
.kp-pipeline .node[data-kind="errors"] rect { fill: #fff5f5; stroke: #cf222e; }
.kp-pipeline .node.failing rect { stroke: #cf222e; stroke-width: 2; }
.kp-pipeline .node text { font: 12px system-ui, sans-serif; fill: #24292f; }
.kp-pipeline .node text.label { font-weight: 600; }
.kp-pipeline path.edge { fill: none; stroke: #8c959f; stroke-width: 1.5; }
.kp-pipeline section { margin-top: 1rem; }
.kp-pipeline table { border-collapse: collapse; font: 13px system-ui, sans-serif; }
.kp-pipeline th, .kp-pipeline td { border-bottom: 1px solid #d0d7de; padding: 2px 8px; text-align: left; }
.kp-pipeline td.number { text-align: right; font-variant-numeric: tabular-nums; }
.kp-pipeline pre { white-space: pre-wrap; word-break: break-all; max-height: 6em; overflow: auto; margin: 0; }
.kp-pipeline .fill { display: inline-block; width: 120px; height: 10px; background: #eaeef2; }
.kp-pipeline .fill span { display: block; height: 100%; background: #0969da; }
`;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  attributes: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function svgElement(tag: string, attributes: Record<string, string | number> = {}): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** A table whose body is replaced on each update; `rows` are cells of text (numbers right-aligned). */
function table(headings: string[]): { root: HTMLTableElement; update(rows: (string | number)[][]): void } {
  const root = element('table');
  const head = root.createTHead().insertRow();
  for (const heading of headings) head.append(element('th', heading));
  const body = root.createTBody();
  return {
    root,
    update(rows) {
      body.replaceChildren(
        ...rows.map((cells) => {
          const row = element('tr');
          for (const cell of cells) {
            row.append(
              typeof cell === 'number'
                ? element('td', formatCount(cell), { class: 'number' })
                : element('td', cell),
            );
          }
          return row;
        }),
      );
    },
  };
}

function drawGraph(svg: SVGSVGElement, layout: GraphLayout): Map<string, SVGGElement> {
  svg.setAttribute('viewBox', `0 0 ${layout.width} ${layout.height}`);
  svg.replaceChildren();
  for (const edge of layout.edges) {
    svg.append(
      svgElement('path', { class: 'edge', d: edge.path, 'data-from': edge.from, 'data-to': edge.to }),
    );
  }
  const groups = new Map<string, SVGGElement>();
  for (const node of layout.nodes) {
    const group = svgElement('g', {
      class: 'node',
      'data-stage': node.id,
      'data-kind': node.kind,
      transform: `translate(${node.x},${node.y})`,
    }) as SVGGElement;
    group.append(svgElement('rect', { width: node.width, height: node.height }));
    const label = svgElement('text', { class: 'label', x: 8, y: 16 });
    label.textContent = shortLabel(node.label);
    const title = svgElement('title');
    title.textContent = `${node.label} (${node.kind})`;
    group.dataset.title = title.textContent;
    group.append(title, label, svgElement('text', { class: 'counts', x: 8, y: 32 }));
    svg.append(group);
    groups.set(node.id, group);
  }
  return groups;
}

function showCounts(group: SVGGElement, status: StageStatus | undefined): void {
  const text = group.querySelector('text.counts')!;
  text.replaceChildren(
    ...nodeLines(status).map((line, index) => {
      const span = svgElement('tspan', { x: 8, dy: index === 0 ? 0 : 14 });
      span.textContent = line;
      return span;
    }),
  );
  group.classList.toggle('failing', (status?.failed ?? 0) > 0);
  // The tooltip: the full label, the unit, and the stage's further figures.
  const details = Object.entries(status?.detail ?? {}).map(
    ([name, value]) => `${name}: ${formatCount(value)}`,
  );
  group.querySelector('title')!.textContent = [
    `${group.dataset.title ?? ''}${status ? `, counts in ${status.unit}` : ''}`,
    ...details,
  ].join('\n');
  if (status) group.dataset.in = String(status.in ?? '');
}

function mount(root: HTMLElement, context: ConsoleContext): void {
  root.classList.add('kp-pipeline');
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'pipeline graph');
  const shards = table(['stage', 'shard', 'iterator age', 'records buffered']);
  const buffers = table(['buffer', 'partition', 'records', 'bytes', 'fill', 'age']);
  const buffersNote = element('p');
  const reasons = table(['stage', 'reason', 'count']);
  const samplesNote = element('p');
  const section = (title: string, ...children: Node[]) => {
    const part = element('section');
    part.append(element('h3', title), ...children);
    return part;
  };
  const lastErrors = element('div', undefined, { class: 'last-errors' });
  const errorFilter = element('select', undefined, {
    class: 'error-filter',
    'aria-label': 'error records of',
  });
  const applyFilter = () => {
    for (const item of lastErrors.children) {
      (item as HTMLElement).hidden =
        errorFilter.value !== '' && item.getAttribute('data-error-stage') !== errorFilter.value;
    }
  };
  errorFilter.onchange = applyFilter;
  const runState = element('p', "Waiting for the run's first counts.", { class: 'run-state' });
  root.replaceChildren(
    element('style', STYLE),
    runState,
    svg,
    section('Iterator age per shard', shards.root),
    section('Firehose buffers', buffersNote, buffers.root),
    section('Errors by reason', reasons.root),
    section('Last error records', samplesNote, errorFilter, lastErrors),
  );

  let groups = new Map<string, SVGGElement>();
  let latest: StageStatus[] = [];
  const paint = () => {
    const byId = new Map(latest.map((status) => [status.id, status]));
    for (const [id, group] of groups) showCounts(group, byId.get(id));
  };
  // The page may open before the run has set its graph: fetched again while nothing is drawn.
  let fetching: Promise<void> | undefined;
  const fetchGraph = () => {
    fetching ??= context
      .graph()
      .then((graph: PipelineGraph) => {
        if (graph.nodes.length > 0) groups = drawGraph(svg, layoutGraph(graph));
        paint();
      })
      .catch(() => undefined)
      .finally(() => {
        fetching = undefined;
      });
  };
  fetchGraph();

  context.subscribe('stages', (message) => {
    const stages = message as StagesMessage;
    latest = stages.stages;
    if (groups.size === 0) fetchGraph();
    runState.textContent = stages.final
      ? 'The run has drained: these are its final counts.'
      : `Live: counts as of ${new Date(stages.at).toLocaleTimeString()}, rates over the last ${(stages.intervalMs / 1000).toFixed(1)} s.`;
    paint();
  });
  context.subscribe('shards', (message) => {
    shards.update(
      (message as ShardsMessage).mappings.flatMap((mapping) =>
        mapping.shards.map((shard) => [
          mapping.stage,
          shard.shardId,
          shard.finished ? 'finished' : formatAge(shard.iteratorAgeMs),
          shard.bufferedRecords,
        ]),
      ),
    );
  });
  context.subscribe('buffers', (message) => {
    const { available, buffers: fills } = message as BuffersMessage;
    buffersNote.textContent = available
      ? `${fills.length} buffer(s); each flushes at its size or its interval, whichever comes first.`
      : 'No delivery stream in this pipeline.';
    buffers.update(
      fills.map((fill) => [
        fill.stage,
        fill.partition || '–',
        fill.records,
        formatBytes(fill.bytes),
        `${Math.round((100 * fill.bytes) / Math.max(1, fill.maxBytes))}% of ${formatBytes(fill.maxBytes)}`,
        `${formatAge(fill.ageMs)} of ${formatAge(fill.intervalMs)}`,
      ]),
    );
  });
  // Error records the reader opened stay open across updates (keyed by what they are).
  const opened = new Set<string>();
  let shownSampled = -1;
  context.subscribe('errors', (message) => {
    const errors = message as ErrorsMessage;
    reasons.update(errors.byReason.map((error) => [error.stage, error.reason, error.count]));
    samplesNote.textContent = `The last ${errors.last.length} of ${formatCount(errors.sampled)} error records (the last ${errors.limit} of each stage kept), newest first.`;
    if (errors.sampled === shownSampled) return;
    shownSampled = errors.sampled;
    const keys = new Set<string>();
    const items = errors.last.map((sample) => {
      const key = [sample.at, sample.stage, sample.reason, sample.rawData.slice(0, 64)].join('\u0000');
      keys.add(key);
      const item = element('details', undefined, {
        class: 'error-record',
        'data-error-stage': sample.stage,
        'data-error-reason': sample.reason,
      });
      item.open = opened.has(key);
      item.ontoggle = () => (item.open ? opened.add(key) : opened.delete(key));
      item.append(
        element(
          'summary',
          `${new Date(sample.at).toLocaleTimeString()} · ${sample.stage} · ${sample.reason}${sample.message ? ` · ${sample.message}` : ''}`,
        ),
        element(
          'pre',
          sample.rawData.length === 0
            ? '(no record data)'
            : `${sample.rawData}${sample.truncated ? `\n… truncated: ${formatBytes(sample.rawBytes)} in all` : ''}`,
          { class: 'raw' },
        ),
      );
      return item;
    });
    for (const key of opened) if (!keys.has(key)) opened.delete(key);
    lastErrors.replaceChildren(...items.reverse());
    // One choice per stage that has records: the delivery stream's among the consumer's, say.
    const stages = [...new Set(errors.last.map((sample) => sample.stage))].sort();
    const chosen = errorFilter.value;
    errorFilter.replaceChildren(
      element('option', 'every stage', { value: '' }),
      ...stages.map((stage) => element('option', `${stage} only`, { value: stage })),
    );
    errorFilter.value = stages.includes(chosen) ? chosen : '';
    applyFilter();
  });
}

export const pipelineTab: ConsoleTab = { id: 'pipeline', title: 'Pipeline', mount };
