/**
 * Every decoder in lib/records returns a result instead of throwing: one bad record must never fail the
 * batch it came in, and every failure carries a reason that handlers map to a response and an error output.
 */

/** Each reason a record can fail to decode, with the sentence that explains it (used in docs and logs). */
export const DECODE_FAILURE_REASONS = {
  'invalid-base64': 'the data is not strict standard base64 (bad character, padding or length)',
  'record-too-large': 'the record is larger than the configured limit',
  'decompression-failed': 'the data looks gzip-compressed but does not decompress (corrupt or truncated)',
  'decompressed-too-large': 'the data decompresses to more than the configured limit (possible gzip bomb)',
  'invalid-kpl-protobuf':
    'the data is a KPL aggregate with a valid checksum whose protobuf does not decode or lacks a required field',
  'kpl-index-out-of-range':
    'a KPL user record points at a partition key or explicit hash key that its aggregate does not hold',
  'invalid-utf8': 'the data is not valid UTF-8, which JSON requires (decoding would garble it)',
  'invalid-json': 'the data is not valid JSON, JSON lines or concatenated JSON',
  'not-an-object': 'a JSON value in the data is an array or a scalar where an object is expected',
  'nesting-too-deep': 'a JSON value nests objects or arrays deeper than the configured limit',
  'forbidden-key': 'a JSON object has a key such as __proto__ that could pollute prototypes downstream',
  'invalid-cloudwatch-logs': 'the data is not a CloudWatch Logs subscription payload of a known message type',
} as const;

export type DecodeFailureReason = keyof typeof DECODE_FAILURE_REASONS;

export interface DecodeFailure {
  ok: false;
  reason: DecodeFailureReason;
  /** Names what failed and where (offset, object index, key path); never echoes the payload. */
  message: string;
}

export type Decoded<T> = { ok: true; value: T } | DecodeFailure;

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(reason: DecodeFailureReason, message: string): DecodeFailure {
  return { ok: false, reason, message };
}
