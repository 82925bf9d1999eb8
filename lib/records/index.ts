/** Record decoding for Kinesis and Firehose functions: every decoder returns a classified result, never throws. */
export { DECODE_FAILURE_REASONS, fail, ok } from './result';
export type { DecodeFailure, DecodeFailureReason, Decoded } from './result';
export { decodeBase64 } from './base64';
export { gunzipBounded, isGzip, maybeGunzip } from './gzip';
export { KINESIS_MAX_RECORD_BYTES, KPL_MAGIC, aggregate, deaggregate, hasKplMagic } from './kpl';
export type {
  AggregateInput,
  AggregateOptions,
  Deaggregated,
  KplAggregate,
  ShardHashKeyRange,
  UserRecord,
} from './kpl';
export { createJsonParser, parseJsonObject, parseJsonRecords } from './json';
export type { JsonObject, JsonParser, JsonParserOptions, ParsedJson } from './json';
export { decodeCloudWatchLogs } from './cloudwatch-logs';
export type {
  CloudWatchLogsEvent,
  CloudWatchLogsMessageType,
  CloudWatchLogsOptions,
  CloudWatchLogsPayload,
} from './cloudwatch-logs';
