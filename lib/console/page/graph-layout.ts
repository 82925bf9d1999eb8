/**
 * Where the Pipeline tab draws each stage: columns by the longest path from a source (the generator), rows
 * ordered by their predecessors' rows so edges cross little, each edge a curve from the right side of one
 * box to the left side of the next. Pure (no DOM), so it is unit-tested in Node.
 */
import type { PipelineGraph, PipelineGraphNode, StageStatus } from '../../local/live-types';

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  gapX: number;
  gapY: number;
  margin: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  nodeWidth: 180,
  nodeHeight: 84,
  gapX: 48,
  gapY: 18,
  margin: 8,
};

export interface PlacedNode extends PipelineGraphNode {
  column: number;
  row: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  /** SVG path data. */
  path: string;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

/** Column of each node: 0 for a node without predecessors, else one more than its farthest predecessor. */
function columns(graph: PipelineGraph): Map<string, number> {
  const column = new Map(graph.nodes.map((node) => [node.id, 0]));
  // Bellman-Ford style relaxation, bounded by the node count so a cycle cannot loop for ever.
  for (let pass = 0; pass < graph.nodes.length; pass += 1) {
    let moved = false;
    for (const edge of graph.edges) {
      const from = column.get(edge.from);
      const to = column.get(edge.to);
      if (from === undefined || to === undefined || to >= from + 1) continue;
      if (from + 1 >= graph.nodes.length) continue;
      column.set(edge.to, from + 1);
      moved = true;
    }
    if (!moved) break;
  }
  return column;
}

export function layoutGraph(graph: PipelineGraph, options: LayoutOptions = DEFAULT_LAYOUT): GraphLayout {
  const { nodeWidth, nodeHeight, gapX, gapY, margin } = options;
  const column = columns(graph);
  const byColumn: PipelineGraphNode[][] = [];
  for (const node of graph.nodes) (byColumn[column.get(node.id)!] ??= []).push(node);
  const row = new Map<string, number>();
  byColumn.forEach((nodes, index) => {
    // Barycentre of the predecessors' rows; nodes without one keep their order, after the others.
    const weight = (node: PipelineGraphNode) => {
      const rows = graph.edges
        .filter((edge) => edge.to === node.id && row.has(edge.from))
        .map((edge) => row.get(edge.from)!);
      return rows.length === 0 ? Number.POSITIVE_INFINITY : rows.reduce((a, b) => a + b, 0) / rows.length;
    };
    const ordered = index === 0 ? nodes : [...nodes].sort((a, b) => weight(a) - weight(b));
    ordered.forEach((node, position) => row.set(node.id, position));
    byColumn[index] = ordered;
  });
  const tallest = Math.max(0, ...byColumn.map((nodes) => nodes?.length ?? 0));
  const height = margin * 2 + tallest * nodeHeight + Math.max(0, tallest - 1) * gapY;
  const placed = new Map<string, PlacedNode>();
  byColumn.forEach((nodes, index) => {
    if (!nodes) return;
    const span = nodes.length * nodeHeight + (nodes.length - 1) * gapY;
    const top = (height - span) / 2;
    nodes.forEach((node, position) => {
      placed.set(node.id, {
        ...node,
        column: index,
        row: position,
        x: margin + index * (nodeWidth + gapX),
        y: top + position * (nodeHeight + gapY),
        width: nodeWidth,
        height: nodeHeight,
      });
    });
  });
  const edges = graph.edges.flatMap((edge) => {
    const from = placed.get(edge.from);
    const to = placed.get(edge.to);
    if (!from || !to) return [];
    const x1 = from.x + from.width;
    const y1 = from.y + from.height / 2;
    const x2 = to.x;
    const y2 = to.y + to.height / 2;
    const bend = Math.max(gapX / 2, (x2 - x1) / 2);
    return [{ ...edge, path: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}` }];
  });
  const columnsUsed = byColumn.length;
  return {
    nodes: graph.nodes.map((node) => placed.get(node.id)!),
    edges,
    width: margin * 2 + columnsUsed * nodeWidth + Math.max(0, columnsUsed - 1) * gapX,
    height,
  };
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : integer.format(value);
}

export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return `${value >= 100 ? integer.format(value) : decimal.format(value)}/s`;
}

/** The text lines under a node's label: counts, then rates of what the stage has (none shown as –). */
export function nodeLines(status: StageStatus | undefined): string[] {
  if (!status) return ['waiting for counts'];
  const pair = (name: string, count: number | null, rate: number | null) =>
    count === null ? undefined : `${name} ${formatCount(count)} (${formatRate(rate)})`;
  const lines = [
    pair('in', status.in, status.inPerSecond),
    pair('out', status.out, status.outPerSecond),
    pair('dropped', status.dropped, status.droppedPerSecond),
    pair('failed', status.failed, status.failedPerSecond),
  ].filter((line): line is string => line !== undefined);
  return lines.length === 0 ? ['no counts'] : lines;
}

/** A label that fits its box: cut in the middle, keeping the start and the end (the full one is the tooltip). */
export function shortLabel(label: string, max = 27): string {
  if (label.length <= max) return label;
  const head = Math.ceil((max - 1) / 2);
  return `${label.slice(0, head)}…${label.slice(label.length - (max - 1 - head))}`;
}

/** Milliseconds as a short age: `0 ms`, `850 ms`, `12.5 s`, `3.2 min`. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${integer.format(ms)} ms`;
  if (ms < 60_000) return `${decimal.format(ms / 1000)} s`;
  return `${decimal.format(ms / 60_000)} min`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${integer.format(bytes)} B`;
  if (bytes < 1024 * 1024) return `${decimal.format(bytes / 1024)} KiB`;
  return `${decimal.format(bytes / (1024 * 1024))} MiB`;
}
