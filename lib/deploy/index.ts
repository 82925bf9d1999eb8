/**
 * The whole deploy template computed from pipeline.yml: which functions exist (only those whose block the
 * pipeline has), their roles, events and resources, the Glue table, the alarms, and the stack parameters and
 * Conditions that attach to existing resources. serverless.yml takes `functions` and `cloudFormation` (its
 * `resources:`) from here, through serverless/config.js.
 */
import { attachDeclarations, baseResources } from './base';
import type { DeployContext } from './common';
import { deploysPartitionKeys, firehoseResources, type FirehoseDeployContext } from './firehose';
import { attachBucketNotification, parquetConverterResources } from './parquet-converter';
import { streamConsumerResources } from './stream-consumer';
import { FUNCTIONS, type DeployTemplate, type FunctionKey } from './functions';
import { completeTemplate } from './template';
import { windowAggregatorResources } from './window-aggregator';

export { FUNCTIONS, type DeployTemplate, type FunctionKey } from './functions';

interface FunctionWiring {
  role: string;
  environment: Record<string, unknown>;
  event?: Record<string, unknown>;
}

function functionEntry(key: FunctionKey, wiring: FunctionWiring): Record<string, unknown> {
  return {
    ...FUNCTIONS[key],
    role: wiring.role,
    environment: wiring.environment,
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
    template.functions.streamConsumer = functionEntry('streamConsumer', consumer);
    Object.assign(template.resources, consumer.resources);
  }
  if (config.delivery || context.existingDeliveryStreamName) {
    const firehose = firehoseResources(context);
    template.functions.firehoseTransformer = functionEntry(
      'firehoseTransformer',
      firehose.firehoseTransformer,
    );
    if (deploysPartitionKeys(config)) {
      template.functions.partitionKeys = functionEntry('partitionKeys', firehose.partitionKeys);
    }
    Object.assign(template.resources, firehose.resources);
    Object.assign(template.outputs, firehose.outputs);
  }
  if (config.conversion) {
    const converter = parquetConverterResources(context);
    template.functions.parquetConverter = {
      ...functionEntry('parquetConverter', converter),
      ...converter.settings,
    };
    Object.assign(template.resources, converter.resources);
    attachBucketNotification(template.resources, converter.bucketNotification);
  }
  if (config.analytics) {
    const analytics = windowAggregatorResources(context);
    template.functions.windowAggregator = functionEntry('windowAggregator', analytics);
    Object.assign(template.resources, analytics.resources);
  }
  return completeTemplate(context, template);
}
