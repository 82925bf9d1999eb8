/**
 * The transformation Lambda contract as the delivery stream enforces it (reference firehose.md §1): the
 * response goes through JSON as it would over the Lambda Invoke API, must fit the synchronous payload limit,
 * and must return every input recordId exactly once with a valid result. Any breach fails the whole batch
 * with the error code Firehose reports.
 */
import { decodeBase64 } from '../records';

/** Error codes written to `errorCode` of error output records. */
export const FIREHOSE_ERROR_CODES = {
  missingRecordId: 'Lambda.MissingRecordId',
  duplicatedRecordId: 'Lambda.DuplicatedRecordId',
  jsonProcessing: 'Lambda.JsonProcessingException',
  /** The function threw, or Lambda refused its response (Function.ResponseSizeTooLarge). */
  functionError: 'Lambda.FunctionError',
  /** The function returned `result: ProcessingFailed` for the record. */
  processingFailedStatus: 'Lambda.ProcessingFailedStatus',
  /** The jq engine could not extract the keys (inline MetadataExtraction). */
  metadataExtractionFailed: 'DynamicPartitioning.MetadataExtractionFailed',
  /** Emulator's name: a `partitionKeyFrom*` key is missing or the prefix evaluates past 512 characters. */
  prefixEvaluationFailed: 'DynamicPartitioning.PrefixEvaluationFailed',
  /** Emulator's name: the record would open a partition past the active-partition limit. */
  activePartitionsExceeded: 'DynamicPartitioning.ActivePartitionsLimitExceeded',
  /** Emulator's name: a Kinesis record carries a KPL aggregate with a valid checksum that does not decode. */
  deaggregationFailed: 'Kinesis.DeaggregationFailed',
} as const;

export type FirehoseErrorCode = (typeof FIREHOSE_ERROR_CODES)[keyof typeof FIREHOSE_ERROR_CODES];

/**
 * The payload limit the Lambda service enforces on a synchronous response: 6 MiB + 100 bytes, the figure in
 * its own error ("Exceeded maximum allowed payload size (6291556 bytes)"). The docs say "6 MB"; AWS's
 * blueprint keeps its responses under 6,000,000 bytes as a margin, which is the transformer's business.
 */
export const LAMBDA_MAX_RESPONSE_BYTES = 6_291_556;

export const TRANSFORMATION_RESULTS = ['Ok', 'Dropped', 'ProcessingFailed'] as const;
export type TransformationResultStatus = (typeof TRANSFORMATION_RESULTS)[number];
const RESULTS = new Set<string>(TRANSFORMATION_RESULTS);

export interface CheckedRecord {
  result: TransformationResultStatus;
  /** Decoded `data`; always set for Ok. */
  data?: Buffer;
  /** `metadata.partitionKeys`, values as strings. */
  partitionKeys?: Record<string, string>;
}

export type ContractCheck =
  { ok: true; records: CheckedRecord[] } | { ok: false; errorCode: FirehoseErrorCode; errorMessage: string };

const failure = (errorCode: FirehoseErrorCode, errorMessage: string): ContractCheck => ({
  ok: false,
  errorCode,
  errorMessage,
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Jackson reads scalars into a Map<String,String>; objects, arrays and null are refused. */
function readPartitionKeys(metadata: unknown, where: string): Record<string, string> | string | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  if (!isObject(metadata)) return `${where}.metadata is not an object`;
  const keys = metadata.partitionKeys;
  if (keys === undefined || keys === null) return undefined;
  if (!isObject(keys)) return `${where}.metadata.partitionKeys is not an object`;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(keys)) {
    const type = typeof value;
    if (type === 'string') out[name] = value as string;
    else if (type === 'number' || type === 'boolean') out[name] = String(value);
    else return `${where}.metadata.partitionKeys.${name} is ${value === null ? 'null' : type}, not a string`;
  }
  return out;
}

/**
 * Checks one invocation's response against the records sent (`recordIds`, in order). Returns the checked
 * records in input order, or the batch failure. Never throws.
 */
export function checkTransformationResponse(
  response: unknown,
  recordIds: readonly string[],
  maxResponseBytes = LAMBDA_MAX_RESPONSE_BYTES,
): ContractCheck {
  // What crosses the Invoke API is JSON: serialise and parse as Lambda and Firehose would.
  let text: string | undefined;
  try {
    text = JSON.stringify(response);
  } catch (error) {
    return failure(
      FIREHOSE_ERROR_CODES.jsonProcessing,
      `response cannot be serialised to JSON: ${(error as Error).message}`,
    );
  }
  if (text === undefined) text = 'null';
  const size = Buffer.byteLength(text);
  if (size > maxResponseBytes) {
    return failure(
      FIREHOSE_ERROR_CODES.functionError,
      `Function.ResponseSizeTooLarge: response payload is ${size} bytes, over the maximum allowed payload size (${maxResponseBytes} bytes)`,
    );
  }
  const parsed = JSON.parse(text) as unknown;
  if (!isObject(parsed) || !Array.isArray(parsed.records)) {
    return failure(FIREHOSE_ERROR_CODES.jsonProcessing, 'response is not an object with a "records" array');
  }
  const entries = parsed.records as unknown[];
  const indexById = new Map<string, number>();
  recordIds.forEach((id, index) => indexById.set(id, index));
  const checked: (CheckedRecord | undefined)[] = new Array<CheckedRecord | undefined>(recordIds.length);
  for (let position = 0; position < entries.length; position += 1) {
    const entry = entries[position];
    const where = `records[${position}]`;
    if (!isObject(entry)) return failure(FIREHOSE_ERROR_CODES.jsonProcessing, `${where} is not an object`);
    const { recordId, result, data } = entry;
    if (recordId === undefined || recordId === null) {
      return failure(FIREHOSE_ERROR_CODES.missingRecordId, `${where} has no recordId`);
    }
    if (typeof recordId !== 'string') {
      return failure(
        FIREHOSE_ERROR_CODES.jsonProcessing,
        `${where}.recordId is ${typeof recordId}, not a string`,
      );
    }
    const named = `${where} (recordId ${recordId})`;
    if (typeof result !== 'string' || !RESULTS.has(result)) {
      return failure(
        FIREHOSE_ERROR_CODES.jsonProcessing,
        `${named}: result ${JSON.stringify(result) ?? 'undefined'} is not one of ${TRANSFORMATION_RESULTS.join(', ')}`,
      );
    }
    let bytes: Buffer | undefined;
    if (data !== undefined && data !== null) {
      if (typeof data !== 'string') {
        return failure(
          FIREHOSE_ERROR_CODES.jsonProcessing,
          `${named}: data is ${typeof data}, not a base64 string`,
        );
      }
      const decoded = decodeBase64(data);
      if (!decoded.ok) {
        return failure(
          FIREHOSE_ERROR_CODES.jsonProcessing,
          `${named}: data is not base64 (${decoded.message})`,
        );
      }
      bytes = decoded.value;
    } else if (result === 'Ok') {
      return failure(FIREHOSE_ERROR_CODES.jsonProcessing, `${named}: result Ok without data`);
    }
    const keys = readPartitionKeys(entry.metadata, named);
    if (typeof keys === 'string') return failure(FIREHOSE_ERROR_CODES.jsonProcessing, keys);
    const index = indexById.get(recordId);
    if (index === undefined) {
      return failure(
        FIREHOSE_ERROR_CODES.missingRecordId,
        `${named}: recordId was not in the invocation, so an input record is missing from the response`,
      );
    }
    if (checked[index] !== undefined) {
      return failure(FIREHOSE_ERROR_CODES.duplicatedRecordId, `${named}: recordId returned more than once`);
    }
    const record: CheckedRecord = { result: result as TransformationResultStatus };
    if (bytes !== undefined) record.data = bytes;
    if (keys !== undefined) record.partitionKeys = keys;
    checked[index] = record;
  }
  if (entries.length < recordIds.length) {
    const missing = recordIds.filter((_id, index) => checked[index] === undefined);
    const shown = missing.slice(0, 3).join(', ');
    return failure(
      FIREHOSE_ERROR_CODES.missingRecordId,
      `${missing.length} of ${recordIds.length} records were not returned (recordId ${shown}${missing.length > 3 ? ', ...' : ''})`,
    );
  }
  return { ok: true, records: checked as CheckedRecord[] };
}
