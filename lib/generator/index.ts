/**
 * The data generator behind `kpipe generate`: Kinesis Data Generator templates compiled once, rendered per
 * record, sent at a rate to stdout, a file, Kinesis or Firehose, with a report that counts only what the
 * destination acknowledged.
 */
export { compileTemplate, DEFAULT_SIMULATED_START } from './template';
export type { CompiledTemplate, CompileOptions, TemplateClockOption } from './template';
export { parseTemplate, parseArguments } from './parser';
export type { NewlineMode, ParsedTemplate } from './parser';
export { TemplateError, UsageError } from './errors';
export { compileDateFormat, SUPPORTED_DATE_TOKENS } from './date-format';
export { EXTENSIONS, LEGACY, MODULE_ALIASES, SESSION_MIN, knownHelperNames } from './helpers';

export { generate } from './generate';
export type { GenerateOptions, GenerateProgress, GenerateReport, KindCounts } from './generate';
export { createTemplateProducer, createPartitionKeyStrategy, RECORD_KINDS } from './producer';
export type {
  GeneratedRecord,
  PartitionKeyOption,
  RecordKind,
  RecordProducer,
  TemplateProducerOptions,
} from './producer';
export { createInvalidRecordInjector, DEFAULT_OVERSIZE_BYTES, INVALID_KINDS } from './invalid';
export type { InvalidKind, InvalidRecordOptions } from './invalid';
export { createCloudWatchLogsProducer } from './cloudwatch-logs';
export type { CloudWatchLogsOptions, CloudWatchLogsPayload } from './cloudwatch-logs';
export { createProfile, parseProfile } from './profile';
export type { ProfileSpec, RateProfile } from './profile';
export { systemClock, createVirtualClock } from './clock';
export type { Clock, VirtualClock } from './clock';

export {
  createAggregatingKinesisSink,
  createFileSink,
  createFirehoseSink,
  createKinesisSink,
  createMemorySink,
  createStreamSink,
} from './sinks';
export type {
  AggregatedEntry,
  KinesisEntry,
  LineStream,
  MemorySink,
  RecordSink,
  ReliablePutResult,
  SinkFailure,
  SinkResult,
} from './sinks';
export { createProgressReporter, formatReport } from './progress';
export type { ProgressReporter, ProgressStream } from './progress';

export { listTemplates, loadTemplateSpec, TEMPLATES_DIR } from './catalog';
export type { TemplateSpec } from './catalog';
export { GENERATE_USAGE, parseDuration, parseGenerateArgs, parsePartitionKey, parseTarget } from './cli-args';
export type { GenerateCommandOptions, GenerateTarget } from './cli-args';
export { prepareGenerate, runGenerate } from './run';
export type { GenerateRunDependencies } from './run';
