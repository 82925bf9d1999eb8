/**
 * The Firehose transformation contract, in one place (docs/firehose.md, "The contract"): the response goes
 * through JSON as it would over the Lambda Invoke API, must fit the payload limit, and must return every
 * input recordId exactly once with a valid result. The local delivery stream judges a transformer with the
 * service's profile (the first problem fails the batch, with the code Firehose reports); the project's own
 * tests hold the project's transformers to the strict profile (input order, string partition keys and the
 * 6,000,000-byte guard on top), with every problem listed.
 */
import { decodeBase64 } from '../records';
import { MAX_RESPONSE_BYTES } from './response-size';
import { FIREHOSE_RESULTS, type FirehoseResult } from './types';

/** Error codes: those the service writes to `errorCode` of error output records, then the project's own. */
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
  /** Strict profile only: under Lambda's limit but over the transformer's own guard. */
  responseOverGuard: 'Project.ResponseOverGuard',
  /** Strict profile only: the service accepts any order, every blueprint (and this project) keeps input order. */
  recordOutOfOrder: 'Project.RecordOutOfOrder',
  /** Strict profile only: a partition key value that is not a string (the service coerces scalars). */
  looseMetadata: 'Project.LooseMetadata',
} as const;

export type FirehoseErrorCode = (typeof FIREHOSE_ERROR_CODES)[keyof typeof FIREHOSE_ERROR_CODES];

/**
 * The payload limit the Lambda service enforces on a synchronous response: 6 MiB + 100 bytes, the figure in
 * its own error ("Exceeded maximum allowed payload size (6291556 bytes)"). The docs say "6 MB"; AWS's
 * blueprint keeps its responses under 6,000,000 bytes as a margin (MAX_RESPONSE_BYTES, the project's guard).
 */
export const LAMBDA_MAX_RESPONSE_BYTES = 6_291_556;

export interface ContractProfile {
  /** A response over this many bytes fails: Lambda's limit, or the transformer's own guard below it. */
  maxResponseBytes: number;
  /** The project's rules on top of the service's: input order and partition key values that are strings. */
  strict: boolean;
}

/** How the delivery stream judges any transformer. */
export const SERVICE_CONTRACT: ContractProfile = {
  maxResponseBytes: LAMBDA_MAX_RESPONSE_BYTES,
  strict: false,
};
/** How this project's transformers are held: the service's contract plus the strict rules and the guard. */
export const PROJECT_CONTRACT: ContractProfile = { maxResponseBytes: MAX_RESPONSE_BYTES, strict: true };

export interface CheckedRecord {
  result: FirehoseResult;
  /** Decoded `data`; always set for Ok. */
  data?: Buffer;
  /** `metadata.partitionKeys`, values as strings. */
  partitionKeys?: Record<string, string>;
}

export interface ContractProblem {
  code: FirehoseErrorCode;
  message: string;
}

export interface ContractReport {
  /** In the order the service meets them; the first is the one that fails the batch. Empty: accepted. */
  problems: ContractProblem[];
  /** Checked records in input order; complete only when `problems` is empty. */
  records: (CheckedRecord | undefined)[];
}

/** One batch's verdict as the delivery stream uses it. */
export type ContractCheck =
  { ok: true; records: CheckedRecord[] } | { ok: false; errorCode: FirehoseErrorCode; errorMessage: string };

const RESULTS = new Set<string>(FIREHOSE_RESULTS);
const C = FIREHOSE_ERROR_CODES;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Jackson reads scalars into a Map<String,String>; objects, arrays and null are refused. The strict profile
 * also refuses numbers and booleans, which the service would coerce.
 */
function readPartitionKeys(
  metadata: unknown,
  where: string,
  strict: boolean,
): { keys?: Record<string, string> } | { problem: ContractProblem } {
  if (metadata === undefined || metadata === null) return {};
  if (!isObject(metadata))
    return { problem: { code: C.jsonProcessing, message: `${where}.metadata is not an object` } };
  const keys = metadata.partitionKeys;
  if (keys === undefined || keys === null) return {};
  if (!isObject(keys)) {
    return {
      problem: { code: C.jsonProcessing, message: `${where}.metadata.partitionKeys is not an object` },
    };
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(keys)) {
    const type = typeof value;
    if (type === 'string') {
      out[name] = value as string;
    } else if (type === 'number' || type === 'boolean') {
      if (strict) {
        const message = `${where}.metadata.partitionKeys.${name} is a ${type}; return a string`;
        return { problem: { code: C.looseMetadata, message } };
      }
      out[name] = String(value);
    } else {
      const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : type;
      const message = `${where}.metadata.partitionKeys.${name} is ${what}, not a string`;
      return { problem: { code: C.jsonProcessing, message } };
    }
  }
  return { keys: out };
}

/** Checks one response entry; returns the record, or the problem the service would report for it. */
function checkEntry(entry: unknown, where: string, strict: boolean): CheckedRecord | ContractProblem {
  if (!isObject(entry)) return { code: C.jsonProcessing, message: `${where} is not an object` };
  const { recordId, result, data } = entry;
  if (recordId === undefined || recordId === null) {
    return { code: C.missingRecordId, message: `${where} has no recordId` };
  }
  if (typeof recordId !== 'string') {
    return { code: C.jsonProcessing, message: `${where}.recordId is ${typeof recordId}, not a string` };
  }
  const named = `${where} (recordId ${recordId})`;
  // Stryker disable next-line ConditionalExpression: equivalent, the Set holds strings only (typeof is for TS)
  if (typeof result !== 'string' || !RESULTS.has(result)) {
    const shown = JSON.stringify(result) ?? 'undefined';
    return {
      code: C.jsonProcessing,
      message: `${named}: result ${shown} is not one of ${FIREHOSE_RESULTS.join(', ')}`,
    };
  }
  const record: CheckedRecord = { result: result as FirehoseResult };
  if (data !== undefined && data !== null) {
    if (typeof data !== 'string') {
      return { code: C.jsonProcessing, message: `${named}: data is ${typeof data}, not a base64 string` };
    }
    const decoded = decodeBase64(data);
    if (!decoded.ok)
      return { code: C.jsonProcessing, message: `${named}: data is not base64 (${decoded.message})` };
    record.data = decoded.value;
  } else if (result === 'Ok') {
    return { code: C.jsonProcessing, message: `${named}: result Ok without data` };
  }
  // A problem is told apart by its own wrapper: a partition key may well be named "code".
  const read = readPartitionKeys(entry.metadata, named, strict);
  if ('problem' in read) return read.problem;
  if (read.keys !== undefined) record.partitionKeys = read.keys;
  return record;
}

const isProblem = (value: CheckedRecord | ContractProblem): value is ContractProblem => 'code' in value;

/**
 * Every way `response` breaks the contract for the records sent (`recordIds`, in order), in the order the
 * service meets them, and the checked records in input order. Never throws.
 */
export function checkTransformationResponse(
  recordIds: readonly string[],
  response: unknown,
  profile: ContractProfile,
): ContractReport {
  const records = new Array<CheckedRecord | undefined>(recordIds.length);
  // What crosses the Invoke API is JSON: serialise and parse as Lambda and Firehose would.
  let text: string | undefined;
  try {
    text = JSON.stringify(response);
  } catch (error) {
    const message = `response cannot be serialised to JSON: ${(error as Error).message}`;
    return { problems: [{ code: C.jsonProcessing, message }], records };
  }
  text ??= 'null';
  const problems: ContractProblem[] = [];
  const size = Buffer.byteLength(text);
  if (size > profile.maxResponseBytes) {
    // The service profile's limit is Lambda's (smaller in tests); the strict profile's is the guard below it.
    const lambdaLimit = profile.strict ? LAMBDA_MAX_RESPONSE_BYTES : profile.maxResponseBytes;
    if (size > lambdaLimit) {
      // Lambda refuses the payload itself, so nothing else is read.
      const message = `Function.ResponseSizeTooLarge: response payload is ${size} bytes, over the maximum allowed payload size (${lambdaLimit} bytes)`;
      return { problems: [{ code: C.functionError, message }], records };
    }
    problems.push({
      code: C.responseOverGuard,
      message: `response is ${size} bytes, over the ${profile.maxResponseBytes}-byte guard (Lambda's limit is ${lambdaLimit})`,
    });
  }
  const parsed = JSON.parse(text) as unknown;
  if (!isObject(parsed) || !Array.isArray(parsed.records)) {
    problems.push({ code: C.jsonProcessing, message: 'response is not an object with a "records" array' });
    return { problems, records };
  }
  const entries = parsed.records as unknown[];
  const indexById = new Map<string, number>();
  recordIds.forEach((id, index) => indexById.set(id, index));
  const returned = new Set<unknown>();
  let outOfOrder: ContractProblem | undefined;
  for (let position = 0; position < entries.length; position += 1) {
    const where = `records[${position}]`;
    const entry = entries[position];
    if (isObject(entry)) returned.add(entry.recordId);
    const checked = checkEntry(entry, where, profile.strict);
    if (isProblem(checked)) {
      problems.push(checked);
      continue;
    }
    const recordId = (entry as { recordId: string }).recordId;
    const index = indexById.get(recordId);
    if (index === undefined) {
      problems.push({
        code: C.missingRecordId,
        message: `${where} (recordId ${recordId}): recordId was not in the invocation, so an input record is missing from the response`,
      });
    } else if (records[index] !== undefined) {
      problems.push({
        code: C.duplicatedRecordId,
        message: `${where} (recordId ${recordId}): recordId returned more than once`,
      });
    } else {
      records[index] = checked;
      if (profile.strict && outOfOrder === undefined && index !== position) {
        outOfOrder = {
          code: C.recordOutOfOrder,
          message: `${where} is recordId ${recordId}, input position ${index}: keep the input order`,
        };
      }
    }
  }
  const missing = recordIds.filter((id) => !returned.has(id));
  if (missing.length > 0) {
    const shown = missing.slice(0, 3).join(', ');
    problems.push({
      code: C.missingRecordId,
      message: `${missing.length} of ${recordIds.length} records were not returned (recordId ${shown}${missing.length > 3 ? ', ...' : ''})`,
    });
  }
  // Order is only meaningful once every record came back exactly once.
  if (outOfOrder !== undefined && problems.length === 0) problems.push(outOfOrder);
  return { problems, records };
}

/** The delivery stream's view: the first problem fails the whole batch with its code. */
export function judgeTransformationResponse(
  recordIds: readonly string[],
  response: unknown,
  profile: ContractProfile,
): ContractCheck {
  const { problems, records } = checkTransformationResponse(recordIds, response, profile);
  const [first] = problems;
  if (first !== undefined) return { ok: false, errorCode: first.code, errorMessage: first.message };
  return { ok: true, records: records as CheckedRecord[] };
}
