/**
 * The 6 MB guard's arithmetic: the exact size of the response as Lambda serialises it (JSON.stringify of the
 * returned object, UTF-8), computed per entry without serialising the large `data` strings twice, and the
 * choice of Ok entries that fit under the limit.
 */
import { API_LIMITS } from '../sinks/chunk';
import type { FirehoseResponseRecord } from './types';

/** AWS's blueprints keep responses under 6,000,000 bytes; Lambda's own limit is 6 MiB. */
export const MAX_RESPONSE_BYTES: number = API_LIMITS.lambdaSyncPayloadBytes;

/** `{"records":[` and `]}` around the entries, which are separated by commas. */
const ENVELOPE_BYTES = Buffer.byteLength('{"records":[]}');

/** A string JSON.stringify copies as is: printable ASCII without `"` or `\\`. */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function jsonStringBytes(value: string): number {
  return PLAIN_JSON_STRING.test(value) ? value.length + 2 : Buffer.byteLength(JSON.stringify(value));
}

const RESULT_BYTES: Record<FirehoseResponseRecord['result'], number> = {
  Ok: 2,
  Dropped: 7,
  ProcessingFailed: 16,
};
/** `{"recordId":` + `,"result":"` + `"` + `}` */
const ENTRY_FRAME_BYTES = 12 + 11 + 1 + 1;
/** `,"data":"` + `"` */
const DATA_FRAME_BYTES = 9 + 1;
/** `,"metadata":{"partitionKeys":` + `}` */
const METADATA_FRAME_BYTES = 29 + 1;

/**
 * Bytes of one entry as JSON.stringify writes it (fields in the order recordId, result, data, metadata, as
 * the processor builds them), counted per field so the large base64 `data` is never serialised twice: it is
 * ASCII and never escaped, so it adds exactly its length. Tests compare this with JSON.stringify.
 */
export function entryBytes(entry: FirehoseResponseRecord): number {
  let size = ENTRY_FRAME_BYTES + jsonStringBytes(entry.recordId) + RESULT_BYTES[entry.result];
  if (entry.data !== undefined) size += DATA_FRAME_BYTES + entry.data.length;
  if (entry.metadata !== undefined) {
    size += METADATA_FRAME_BYTES + Buffer.byteLength(JSON.stringify(entry.metadata.partitionKeys));
  }
  return size;
}

export function responseBytes(entrySizes: readonly number[]): number {
  let total = ENVELOPE_BYTES + Math.max(0, entrySizes.length - 1);
  for (const size of entrySizes) total += size;
  return total;
}

export interface FitCandidate {
  /** Size of the entry as Ok, with its data. */
  okBytes: number;
  /** Size of the entry if it is moved out: the larger of its Dropped and ProcessingFailed forms. */
  fallbackBytes: number;
}

/**
 * Which Ok entries stay in the response. `fixedBytes` is the size of the response with every candidate in
 * its fallback form; candidates are then admitted in input order while they fit (a later, smaller one can
 * still fit after a larger one did not). Returns a flag per candidate: true = keep, false = re-ingest.
 */
export function fitUnderLimit(
  candidates: readonly FitCandidate[],
  fixedBytes: number,
  limit = MAX_RESPONSE_BYTES,
): boolean[] {
  let budget = limit - fixedBytes;
  return candidates.map(({ okBytes, fallbackBytes }) => {
    const extra = okBytes - fallbackBytes;
    if (extra > budget) return false;
    budget -= extra;
    return true;
  });
}
