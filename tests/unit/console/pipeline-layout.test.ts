/** The Pipeline tab's graph layout and node text (pure functions of lib/console/page/graph-layout.ts). */
import { join } from 'node:path';
import {
  DEFAULT_LAYOUT,
  formatAge,
  formatRate,
  layoutGraph,
  nodeLines,
  shortLabel,
} from '../../../lib/console/page/graph-layout';
import { pipelineGraph } from '../../../lib/local/live-graph';
import type { PipelineGraph, StageStatus } from '../../../lib/local/live-types';
import { loadPipeline } from '../../../lib/pipeline/load';

const sample = pipelineGraph(loadPipeline(join(__dirname, '../../../pipeline.yml')).config);

describe('layoutGraph', () => {
  const layout = layoutGraph(sample);
  const at = (id: string) => layout.nodes.find((node) => node.id === id)!;

  it('puts each stage one column right of its farthest predecessor', () => {
    expect(
      ['generator', 'stream', 'consumer', 'transformer', 'objects', 'converter', 'lake'].map(
        (id) => at(id).column,
      ),
    ).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(at('firehose').column).toBe(2);
    expect(at('results').column).toBe(3);
    for (const edge of sample.edges) expect(at(edge.to).column).toBeGreaterThan(at(edge.from).column);
  });

  it('keeps every box inside the drawing and no two boxes overlapping', () => {
    for (const node of layout.nodes) {
      expect(node.x).toBeGreaterThanOrEqual(0);
      expect(node.y).toBeGreaterThanOrEqual(0);
      expect(node.x + node.width).toBeLessThanOrEqual(layout.width);
      expect(node.y + node.height).toBeLessThanOrEqual(layout.height);
    }
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b) continue;
        const apart =
          a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart).toBe(true);
      }
    }
    expect(layout.width).toBe(
      2 * DEFAULT_LAYOUT.margin + 7 * DEFAULT_LAYOUT.nodeWidth + 6 * DEFAULT_LAYOUT.gapX,
    );
  });

  it('orders a column by its predecessors so the consumer branch stays above the Firehose branch', () => {
    // consumer, firehose, windows come from the stream in that order; their successors follow that order.
    expect(at('consumer').row).toBeLessThan(at('firehose').row);
    expect(at('sink-0').row).toBeLessThan(at('transformer').row);
    expect(at('transformer').row).toBeLessThan(at('results').row);
  });

  it('draws each edge from the right side of one box to the left side of the next', () => {
    const edge = layout.edges.find(
      (candidate) => candidate.from === 'stream' && candidate.to === 'consumer',
    )!;
    const from = at('stream');
    const to = at('consumer');
    expect(edge.path.startsWith(`M${from.x + from.width},${from.y + from.height / 2} `)).toBe(true);
    expect(edge.path.endsWith(` ${to.x},${to.y + to.height / 2}`)).toBe(true);
  });

  it('survives a cycle and an edge to a node that does not exist', () => {
    const graph: PipelineGraph = {
      nodes: [
        { id: 'a', label: 'a', kind: 'x' },
        { id: 'b', label: 'b', kind: 'x' },
      ],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
        { from: 'b', to: 'ghost' },
      ],
    };
    const looped = layoutGraph(graph);
    expect(looped.nodes).toHaveLength(2);
    expect(looped.edges.map((edge) => edge.to)).toEqual(['b', 'a']);
    expect(layoutGraph({ nodes: [], edges: [] })).toMatchObject({ nodes: [], edges: [] });
  });
});

describe('nodeLines', () => {
  const status = (overrides: Partial<StageStatus>): StageStatus => ({
    id: 'consumer',
    unit: 'records',
    in: null,
    out: null,
    dropped: null,
    failed: null,
    inPerSecond: null,
    outPerSecond: null,
    droppedPerSecond: null,
    failedPerSecond: null,
    ...overrides,
  });

  it('shows the counts the stage has, with their rates, and leaves out those it has not', () => {
    expect(nodeLines(status({ in: 12345, inPerSecond: 1234.4, failed: 3, failedPerSecond: 0.25 }))).toEqual([
      'in 12,345 (1,234/s)',
      'failed 3 (0.3/s)',
    ]);
    expect(nodeLines(status({}))).toEqual(['no counts']);
    expect(nodeLines(undefined)).toEqual(['waiting for counts']);
  });

  it('cuts a long label in the middle to fit its box, and leaves a short one alone', () => {
    const long =
      'raw objects raw/event_type=!{partitionKeyFromLambda:event_type}/dt=!{partitionKeyFromLambda:dt}/';
    const cut = shortLabel(long);
    expect(cut).toHaveLength(27);
    expect(cut).toBe(`${long.slice(0, 13)}…${long.slice(-13)}`);
    expect(shortLabel('streamConsumer')).toBe('streamConsumer');
  });

  it('formats rates and ages for a person', () => {
    expect(formatRate(null)).toBe('–');
    expect(formatRate(2.25)).toBe('2.3/s');
    expect(formatAge(850)).toBe('850 ms');
    expect(formatAge(12_500)).toBe('12.5 s');
    expect(formatAge(192_000)).toBe('3.2 min');
  });
});
