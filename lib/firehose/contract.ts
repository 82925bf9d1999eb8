/**
 * What Firehose requires of a transformation response (reference firehose.md §1), as a checker: the tests
 * run it on every response, and the local runtime can run it where AWS would fail the batch. Each problem
 * is named as Firehose names it (`Lambda.MissingRecordId`, `Lambda.DuplicatedRecordId`, ...).
 */
import { decodeBase64 } from '../records';
import { MAX_RESPONSE_BYTES } from './response-size';
import { FIREHOSE_RESULTS, type FirehoseInvocation } from './types';

export interface ContractOptions {
  /** Default 6,000,000 bytes. */
  maxResponseBytes?: number;
  /** Also require input order (Firehose does not, every blueprint keeps it). Default true. */
  requireOrder?: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every way `response` breaks the contract for `event`; an empty array means Firehose accepts it. */
export function checkTransformationResponse(
  event: Pick<FirehoseInvocation, 'records'>,
  response: unknown,
  options: ContractOptions = {},
): string[] {
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  let serialised: string;
  try {
    serialised = JSON.stringify(response);
  } catch (error) {
    return [`Lambda.JsonProcessingException: the response does not serialise (${(error as Error).message})`];
  }
  if (!isPlainObject(response) || !Array.isArray(response.records)) {
    return ['Lambda.JsonProcessingException: the response has no `records` array'];
  }
  const problems: string[] = [];
  const size = Buffer.byteLength(serialised);
  if (size > maxBytes)
    problems.push(`Lambda.ResponseTooLarge: the response is ${size} bytes; the limit is ${maxBytes}`);

  const expected = event.records.map((record) => record.recordId);
  const wanted = new Set(expected);
  const seen = new Set<string>();
  const records = response.records as unknown[];
  records.forEach((entry, index) => {
    const at = `records[${index}]`;
    if (!isPlainObject(entry)) {
      problems.push(`Lambda.JsonProcessingException: ${at} is not an object`);
      return;
    }
    const { recordId, result, data, metadata } = entry;
    if (typeof recordId !== 'string' || !wanted.has(recordId)) {
      problems.push(
        `Lambda.ProcessingFailedException: ${at}.recordId ${JSON.stringify(recordId)} is not an input record`,
      );
    } else if (seen.has(recordId)) {
      problems.push(`Lambda.DuplicatedRecordId: ${at}.recordId ${recordId} was already returned`);
    } else {
      seen.add(recordId);
    }
    if (!(FIREHOSE_RESULTS as readonly unknown[]).includes(result)) {
      problems.push(
        `Lambda.InvalidResult: ${at}.result ${JSON.stringify(result)} is not Ok, Dropped or ProcessingFailed`,
      );
    }
    if (result === 'Ok') {
      if (typeof data !== 'string') problems.push(`Lambda.InvalidData: ${at}.data is required on Ok`);
      else if (!decodeBase64(data).ok) problems.push(`Lambda.InvalidData: ${at}.data is not base64`);
    }
    if (metadata !== undefined) {
      const keys = isPlainObject(metadata) ? metadata.partitionKeys : undefined;
      if (!isPlainObject(keys) || !Object.values(keys).every((value) => typeof value === 'string')) {
        problems.push(`Lambda.InvalidMetadata: ${at}.metadata.partitionKeys must map names to strings`);
      }
    }
  });
  for (const recordId of expected) {
    if (!seen.has(recordId)) problems.push(`Lambda.MissingRecordId: ${recordId} is not in the response`);
  }
  if ((options.requireOrder ?? true) && problems.length === 0) {
    const order = records.map((entry) => (entry as { recordId: string }).recordId);
    const first = order.findIndex((recordId, index) => recordId !== expected[index]);
    if (first !== -1)
      problems.push(`Order: records[${first}] is ${order[first]}, input order has ${expected[first]}`);
  }
  return problems;
}
