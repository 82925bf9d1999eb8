/** Firehose data transformation: the transformer and the key extractor, the response contract, re-ingestion. */
export {
  createFirehoseProcessor,
  FIREHOSE_MODES,
  type FirehoseMode,
  type FirehoseProcessor,
  type FirehoseProcessorOptions,
} from './processor';
export {
  checkTransformationResponse,
  FIREHOSE_ERROR_CODES,
  judgeTransformationResponse,
  LAMBDA_MAX_RESPONSE_BYTES,
  PROJECT_CONTRACT,
  SERVICE_CONTRACT,
  type CheckedRecord,
  type ContractCheck,
  type ContractProblem,
  type ContractProfile,
  type ContractReport,
  type FirehoseErrorCode,
} from './contract';
export { createInputFormat, INPUT_FORMATS, type InputFormat, type InputFormatName } from './inputs';
export {
  deliveryStreamArnOf,
  NO_REINGEST_TARGET,
  parseStreamArn,
  reingestClients,
  reingestTarget,
  type ReingestClients,
  type ReingestPart,
} from './reingest';
export { entryBytes, fitUnderLimit, MAX_RESPONSE_BYTES, responseBytes } from './response-size';
export {
  DROP_REASONS,
  FIREHOSE_RESULTS,
  type DropReason,
  type FirehoseFailureReason,
  type FirehoseInputRecord,
  type FirehoseInvocation,
  type FirehoseKinesisMetadata,
  type FirehoseOutcome,
  type FirehoseResponse,
  type FirehoseResponseRecord,
  type FirehoseResult,
  type FirehoseSummary,
  type RecordFailure,
} from './types';
