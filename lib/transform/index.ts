/** Declarative record transforms (pipeline.yml `transforms:`), shared by the stream consumer and the Firehose transformer. */
export { compileTransforms } from './compile';
export { TransformConfigError } from './draft';
export { EPOCH_MILLIS_THRESHOLD, toEpochMillis } from './timestamps';
export type {
  CompileOptions,
  Condition,
  ContextField,
  CustomTransform,
  JsonScalar,
  JsonValue,
  RecordContext,
  RecordTransform,
  StepConfigs,
  StepName,
  TimeFormat,
  TransformOutcome,
  TransformStep,
} from './types';
