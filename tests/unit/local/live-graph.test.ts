/** The pipeline graph the console draws, from each pipeline.yml the project ships. */
import { join } from 'node:path';
import { pipelineGraph, STAGE } from '../../../lib/local/live-graph';
import type { PipelineGraph } from '../../../lib/local/live-types';
import { loadPipeline, parsePipeline } from '../../../lib/pipeline/load';

const root = join(__dirname, '../../..');
const edgesOf = (graph: PipelineGraph) => graph.edges.map((edge) => `${edge.from}>${edge.to}`);
const idsOf = (graph: PipelineGraph) => graph.nodes.map((node) => node.id);

describe('pipelineGraph', () => {
  it('draws every stage of the sample pipeline: consumer and sinks, Firehose to the lake, windows', () => {
    const graph = pipelineGraph(loadPipeline(join(root, 'pipeline.yml')).config);

    expect(edgesOf(graph)).toEqual([
      'generator>stream',
      'stream>consumer',
      'consumer>sink-0',
      'consumer>consumer-errors',
      'stream>firehose',
      'firehose>transformer',
      'transformer>objects',
      'transformer>firehose-errors',
      'objects>converter',
      'converter>lake',
      'converter>conversion-errors',
      'stream>windows',
      'windows>results',
    ]);
    const labels = Object.fromEntries(graph.nodes.map((node) => [node.id, node.label]));
    expect(labels).toMatchObject({
      stream: 'clickstream-events (2 shards)',
      'sink-0': 'S3 consumer/',
      transformer: 'firehoseTransformer',
      windows: 'windowAggregator (60 s windows)',
      lake: 'Parquet lake curated/',
    });
  });

  it.each([
    ['cloudwatch-logs', true, 'S3'],
    ['opensearch', false, 'opensearch'],
    ['redshift', false, 'redshift'],
    ['splunk', true, 'splunk'],
  ])('draws examples/%s: direct put %s, destination %s', (example, directPut, destination) => {
    const graph = pipelineGraph(loadPipeline(join(root, 'examples', example, 'pipeline.yml')).config);

    // Every edge joins two nodes of the graph, and every node but the generator has an edge in.
    const ids = new Set(idsOf(graph));
    for (const edge of graph.edges) {
      expect(ids.has(edge.from) && ids.has(edge.to)).toBe(true);
    }
    const fed = new Set(graph.edges.map((edge) => edge.to));
    const unfed = idsOf(graph).filter((id) => !fed.has(id) && id !== STAGE.generator);
    expect(unfed).toEqual(directPut ? [STAGE.stream] : []);
    expect(edgesOf(graph)).toContain(directPut ? 'generator>firehose' : 'stream>firehose');
    expect(edgesOf(graph)).not.toContain(directPut ? 'stream>firehose' : 'generator>firehose');
    expect(ids.has(STAGE.consumer)).toBe(false);
    expect(ids.has(STAGE.windows)).toBe(false);
    const objects = graph.nodes.find((node) => node.id === STAGE.objects)!;
    expect(objects.label.includes('staging')).toBe(destination !== 'S3');
  });

  it('leaves the transformer out when the delivery stream has no processor', () => {
    const text = `
name: bare
stream: { name: s, shards: 1 }
record: { schema: ${join(root, 'schemas/clickstream.schema.json')} }
delivery:
  name: d
  source: kinesis
  processor: { function: none }
  prefix: raw/
`;
    const graph = pipelineGraph(parsePipeline(text, join(root, 'bare.yml')).config);

    expect(idsOf(graph)).not.toContain(STAGE.transformer);
    expect(edgesOf(graph)).toEqual([
      'generator>stream',
      'stream>firehose',
      'firehose>objects',
      'firehose>firehose-errors',
    ]);
    expect(graph.nodes.find((node) => node.id === STAGE.stream)!.label).toBe('s (1 shard)');
  });
});
