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
import { FUNCTIONS, type DeployTemplate, type FunctionKey } from './functions';
import { applyMaskSalt } from './secrets';
import { completeTemplate } from './template';
import { applyTracing } from './tracing';
import { windowAggregatorResources } from './window-aggregator';

export { FUNCTIONS, type DeployTemplate, type FunctionKey } from './functions';

interface FunctionWiring {
  role: string;
  environment: Record<string, unknown>;
  event?: Record<string, unknown>;
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
