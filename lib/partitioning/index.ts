/** Dynamic partitioning: key rules, value sanitisation, Firehose prefix expressions, jq query generation. */
export {
  normalizePartitioning,
  PartitioningConfigError,
  DEFAULT_MISSING_VALUE,
  type PartitioningConfig,
  type KeyConfig,
  type PathKeyConfig,
  type TimestampKeyConfig,
  type NormalizedPartitioning,
} from './config';
export {
  compileKeyRules,
  type KeyExtractor,
  type KeyExtractionResult,
  type KeyContext,
  type KeyFailureReason,
} from './key-rules';
export { jqMetadataExtractionQuery, MAX_JQ_QUERY_LENGTH, MAX_JQ_KEYS } from './jq';
export {
  parsePrefix,
  validatePrefixes,
  evaluatePrefix,
  defaultRandomString,
  PrefixError,
  ERROR_OUTPUT_TYPES,
  MAX_EVALUATED_PREFIX_LENGTH,
  DEFAULT_TIME_PREFIX_PATTERN,
  type ParsedPrefix,
  type PrefixPart,
  type PrefixContext,
  type PrefixEvaluation,
  type PrefixFailureReason,
  type PrefixValidationInput,
  type ErrorOutputType,
} from './prefix';
export { sanitizePartitionValue, isSafePartitionValue, DEFAULT_MAX_VALUE_LENGTH } from './sanitize';
export {
  compileTimestampPattern,
  formatTimestamp,
  javaPatternToStrftime,
  TimestampPatternError,
  type TimestampFormatter,
} from './timestamp-format';
export { parseTimestampValue, TIMESTAMP_INPUTS, type TimestampInput } from './timestamp-parse';
