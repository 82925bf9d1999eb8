/** Windowed SQL analytics over Kinesis tumbling windows (pipeline.yml `analytics:`); see docs/analytics.md. */
export { STATE_LIMIT_BYTES, type AnalyticsConfig, type AnalyticsRecords } from './config';
export {
  AnalyticsSqlError,
  compilePipelineQuery,
  compileQuery,
  planPipelineQuery,
  planQuery,
  DISTINCT_DEFAULTS,
  RESERVED_COLUMNS,
  SOURCE_TABLE,
  type AggregateColumn,
  type CompiledQuery,
  type CompileQueryOptions,
  type GroupColumn,
  type OutputColumn,
  type QueryPlan,
} from './sql';
export { compilePlan } from './plan';
export {
  accumulatorFactory,
  type Accumulator,
  type AggregateFunction,
  type DistinctOptions,
} from './aggregates';
export { HyperLogLog, murmur3 } from './hyperloglog';
export { analyticsFields, resolveColumn, schemaFields, type FieldCatalogue, type FieldNode } from './fields';
export { maskQuotedIdentifiers, type Identifier } from './identifiers';
export { STATE_VERSION, WindowState, stateBytes, type SerializedState, type WindowStats } from './state';
export { analyticsInput, type AnalyticsInput, type InputOutcome } from './input';
export {
  createResultSink,
  ResultDeliveryError,
  resultObjectKey,
  type Emission,
  type ResultRow,
  type ResultSink,
} from './sinks';
export {
  createWindowAggregator,
  createWindowAggregatorFromParts,
  resultRows,
  WindowEmitError,
  type WindowAggregator,
  type WindowAggregatorOptions,
  type WindowEvent,
  type WindowOutcome,
  type WindowSummary,
} from './window';
export { tumblingWindowEvent, windowOf, type WindowBounds, type WindowEventOptions } from './events';
