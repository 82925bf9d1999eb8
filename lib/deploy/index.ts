/**
 * The whole deploy template computed from pipeline.yml: which functions exist (only those whose block the
 * pipeline has), their roles, events and resources, the Glue table, the alarms, and the stack parameters and
 * Conditions that attach to existing resources. serverless.yml takes `functions` and `cloudFormation` (its
 * `resources:`) from here, through serverless/config.js.
 */
import { metricsNamespace } from '../observability/metric-names';
import { attachDeclarations, baseResources } from './base';
import type { DeployContext } from './common';
import { deploysPartitionKeys, firehoseResources, type FirehoseDeployContext } from './firehose';
import { attachBucketNotification, parquetConverterResources } from './parquet-converter';
import { streamConsumerResources } from './stream-consumer';
import { applyMaskSalt } from './secrets';
import { completeTemplate } from './template';
import { applyTracing } from './tracing';
import { windowAggregatorResources } from './window-aggregator';

interface FunctionSettings {
  handler: string;
  description: string;
  memorySize: number;
  timeout: number;
}

/** The Lambda functions, keyed as DESIGN.md names them; memory and timeout sized per function. */
export const FUNCTIONS = {
  streamConsumer: {
    handler: 'functions/stream-consumer.handler',
    description: 'Kinesis stream consumer (decode, de-aggregate, validate, transform, deliver)',
    memorySize: 1024,
    timeout: 120,
  },
  firehoseTransformer: {
    handler: 'functions/firehose-transformer.handler',
    description: 'Firehose record transformer (validate, transform, partition keys, 6 MB guard)',
    memorySize: 1024,
    timeout: 120,
  },
  partitionKeys: {
    handler: 'functions/partition-keys.handler',
    description: 'Firehose dynamic-partitioning key extractor (data untouched)',
    memorySize: 512,
    timeout: 120,
  },
  windowAggregator: {
    handler: 'functions/window-aggregator.handler',
    description: 'Windowed SQL over Kinesis tumbling windows (pipeline.yml analytics)',
    memorySize: 512,
    timeout: 60,
  },
  parquetConverter: {
    handler: 'functions/parquet-converter.handler',
    description:
      'Raw S3 objects (JSON lines) to Parquet under the curated prefix, bad records to the error prefix',
    // Measured (docs/parquet.md): a 200 MB JSON-lines object peaks at ~530 MB RSS with Lambda's 1,024 MB heap
    // flags and takes ~14 s on one core; 1,024 MB leaves room for wider records, and 300 s for slower CPUs.
    memorySize: 1024,
    timeout: 300,
  },
} satisfies Record<string, FunctionSettings>;

export type FunctionKey = keyof typeof FUNCTIONS;

interface FunctionWiring {
  role: string;
  environment: Record<string, unknown>;
  event?: Record<string, unknown>;
}

export interface DeployTemplate {
  functions: Partial<Record<FunctionKey, Record<string, unknown>>>;
  resources: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** Stack parameters (`Existing*`) and the Conditions (`Create*`) that attach to existing resources. */
  parameters: Record<string, unknown>;
  conditions: Record<string, unknown>;
  /** serverless `resources.extensions`: properties set on resources serverless generates. */
  extensions: Record<string, unknown>;
}

function functionEntry(
  context: DeployContext,
  key: FunctionKey,
  wiring: FunctionWiring,
): Record<string, unknown> {
  return {
    ...FUNCTIONS[key],
    role: wiring.role,
    // The metrics' namespace, which the alarms read too (lib/deploy/alarms.ts).
    environment: {
      ...wiring.environment,
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(context.service, context.stage),
    },
    ...(wiring.event && { events: [{ stream: wiring.event }] }),
  };
}

export function deployTemplate(context: DeployContext & FirehoseDeployContext): DeployTemplate {
  const { config } = context.pipeline;
  const template: DeployTemplate = {
    functions: {},
    resources: baseResources(context),
    outputs: {},
    ...attachDeclarations(context),
    extensions: {},
  };
  if (config.consumer) {
    const consumer = streamConsumerResources(context);
    template.functions.streamConsumer = functionEntry(context, 'streamConsumer', consumer);
    Object.assign(template.resources, consumer.resources);
  }
  if (config.delivery || context.existingDeliveryStreamName) {
    const firehose = firehoseResources(context);
    template.functions.firehoseTransformer = functionEntry(
      context,
      'firehoseTransformer',
      firehose.firehoseTransformer,
    );
    if (deploysPartitionKeys(config)) {
      template.functions.partitionKeys = functionEntry(context, 'partitionKeys', firehose.partitionKeys);
    }
    Object.assign(template.resources, firehose.resources);
    Object.assign(template.outputs, firehose.outputs);
  }
  if (config.conversion) {
    const converter = parquetConverterResources(context);
    template.functions.parquetConverter = {
      ...functionEntry(context, 'parquetConverter', converter),
      ...converter.settings,
    };
    Object.assign(template.resources, converter.resources);
    attachBucketNotification(template.resources, converter.bucketNotification);
  }
  if (config.analytics) {
    const analytics = windowAggregatorResources(context);
    template.functions.windowAggregator = functionEntry(context, 'windowAggregator', analytics);
    Object.assign(template.resources, analytics.resources);
  }
  applyMaskSalt(context, template);
  applyTracing(context, template);
  return completeTemplate(context, template);
}
