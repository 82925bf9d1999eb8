/**
 * The stages pipeline.yml defines, as the graph the console draws (lib/local/live-types.ts). Node ids are
 * stable names the `stages` messages use (lib/local/live-model.ts); labels say what the stage is in this
 * pipeline (stream name, sink target, prefix).
 */
import type { PipelineConfig, SinkConfig } from '../pipeline/types';
import type { PipelineGraph, PipelineGraphNode } from './live-types';

/** Node ids; sinks are `sink-<n>` in pipeline.yml order. */
export const STAGE = {
  generator: 'generator',
  stream: 'stream',
  consumer: 'consumer',
  consumerErrors: 'consumer-errors',
  firehose: 'firehose',
  transformer: 'transformer',
  objects: 'objects',
  firehoseErrors: 'firehose-errors',
  converter: 'converter',
  lake: 'lake',
  conversionErrors: 'conversion-errors',
  windows: 'windows',
  results: 'results',
} as const;

export function sinkStage(index: number): string {
  return `sink-${index}`;
}

const sinkLabels: { [K in SinkConfig['type']]: (sink: Extract<SinkConfig, { type: K }>) => string } = {
  s3: (sink) => `S3 ${sink.prefix}`,
  firehose: (sink) => `Firehose ${sink.deliveryStream}`,
  kinesis: (sink) => `Kinesis ${sink.stream}`,
};

function sinkLabel(sink: SinkConfig): string {
  return (sinkLabels[sink.type] as (sink: SinkConfig) => string)(sink);
}

export function pipelineGraph(config: PipelineConfig): PipelineGraph {
  const nodes: PipelineGraphNode[] = [];
  const edges: PipelineGraph['edges'] = [];
  const node = (id: string, label: string, kind: string) => nodes.push({ id, label, kind });
  const edge = (from: string, to: string) => edges.push({ from, to });
  const { stream, consumer, delivery, conversion, analytics } = config;
  const directPut = delivery?.source === 'direct-put';

  node(STAGE.generator, 'kpipe generate', 'producers');
  node(STAGE.stream, `${stream.name} (${stream.shards} shard${stream.shards === 1 ? '' : 's'})`, 'stream');
  edge(STAGE.generator, directPut ? STAGE.firehose : STAGE.stream);

  if (consumer) {
    node(STAGE.consumer, 'streamConsumer', 'consumer');
    edge(STAGE.stream, STAGE.consumer);
    consumer.sinks.forEach((sink, index) => {
      node(sinkStage(index), sinkLabel(sink), 'sink');
      edge(STAGE.consumer, sinkStage(index));
    });
    node(STAGE.consumerErrors, `errors ${consumer.errorPrefix}`, 'errors');
    edge(STAGE.consumer, STAGE.consumerErrors);
  }

  if (delivery) {
    node(STAGE.firehose, `Firehose ${delivery.name}`, 'firehose');
    if (!directPut) edge(STAGE.stream, STAGE.firehose);
    let last: string = STAGE.firehose;
    if (delivery.processor.function !== 'none') {
      node(STAGE.transformer, delivery.processor.function, 'transformer');
      edge(STAGE.firehose, STAGE.transformer);
      last = STAGE.transformer;
    }
    const destination = delivery.destination?.type ?? 's3';
    const staging = destination === 's3' ? '' : ` (${destination} staging)`;
    node(STAGE.objects, `raw objects ${delivery.prefix}${staging}`, 'objects');
    edge(last, STAGE.objects);
    node(
      STAGE.firehoseErrors,
      delivery.errorOutputPrefix ? `errors ${delivery.errorOutputPrefix}` : 'errors (default error prefix)',
      'errors',
    );
    edge(last, STAGE.firehoseErrors);
    if (conversion) {
      node(STAGE.converter, 'parquetConverter', 'converter');
      edge(STAGE.objects, STAGE.converter);
      node(STAGE.lake, `Parquet lake ${conversion.outputPrefix}`, 'lake');
      edge(STAGE.converter, STAGE.lake);
      node(STAGE.conversionErrors, `errors ${conversion.errorPrefix}`, 'errors');
      edge(STAGE.converter, STAGE.conversionErrors);
    }
  }

  if (analytics) {
    node(STAGE.windows, `windowAggregator (${analytics.tumblingWindowInSeconds} s windows)`, 'windows');
    edge(STAGE.stream, STAGE.windows);
    node(STAGE.results, `results ${sinkLabel(analytics.sink)}`, 'sink');
    edge(STAGE.windows, STAGE.results);
  }
  return { nodes, edges };
}
