import { maybeGunzip } from './gzip';
import { createJsonParser, type JsonObject } from './json';
import { fail, ok, type Decoded } from './result';

/**
 * CloudWatch Logs subscription payloads (docs/firehose.md, CloudWatch Logs input): gzip'd JSON
 * `{messageType, owner, logGroup, logStream, subscriptionFilters[], logEvents[{id, timestamp, message}]}`.
 * CONTROL_MESSAGE is the health check CloudWatch sends when a subscription is created.
 */
export interface CloudWatchLogsEvent {
  id: string;
  /** Epoch milliseconds. */
  timestamp: number;
  message: string;
  /** Present when the subscription filter pattern extracts fields. */
  extractedFields?: Record<string, unknown>;
}

interface CloudWatchLogsEnvelope {
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: CloudWatchLogsEvent[];
  /** Set by account-level subscription policies. */
  policyLevel?: string;
}

export type CloudWatchLogsMessageType = 'DATA_MESSAGE' | 'CONTROL_MESSAGE';

export type CloudWatchLogsPayload =
  | (CloudWatchLogsEnvelope & { messageType: 'DATA_MESSAGE' })
  | (CloudWatchLogsEnvelope & { messageType: 'CONTROL_MESSAGE' });

export interface CloudWatchLogsOptions {
  /** Limit on the decompressed payload. Default 16 MiB. */
  maxDecompressedBytes?: number;
}

const DEFAULT_MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

type Check = (value: unknown) => boolean;
const isString: Check = (value) => typeof value === 'string';
const isNonEmptyString: Check = (value) => typeof value === 'string' && value !== '';
const isTimestamp: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const isStringArray: Check = (value) => Array.isArray(value) && value.every(isString);
const isArray: Check = (value) => Array.isArray(value);
const isObject: Check = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

type FieldRules = ReadonlyArray<readonly [field: string, check: Check, expectation: string]>;

/** The envelope each message type must have; a new message type is one entry. */
const ENVELOPE_RULES: Readonly<Record<CloudWatchLogsMessageType, FieldRules>> = {
  DATA_MESSAGE: [
    ['owner', isNonEmptyString, 'a non-empty string'],
    ['logGroup', isNonEmptyString, 'a non-empty string'],
    ['logStream', isNonEmptyString, 'a non-empty string'],
    ['subscriptionFilters', isStringArray, 'an array of strings'],
    ['logEvents', (value) => Array.isArray(value) && value.length > 0, 'a non-empty array'],
  ],
  // Control messages carry empty logGroup / logStream and no filters.
  CONTROL_MESSAGE: [
    ['owner', isString, 'a string'],
    ['logGroup', isString, 'a string'],
    ['logStream', isString, 'a string'],
    ['subscriptionFilters', isStringArray, 'an array of strings'],
    ['logEvents', isArray, 'an array'],
  ],
};

const EVENT_RULES: FieldRules = [
  ['id', isString, 'a string'],
  ['timestamp', isTimestamp, 'a number (epoch milliseconds)'],
  ['message', isString, 'a string'],
];

function firstViolation(value: JsonObject, rules: FieldRules, prefix: string): string | undefined {
  for (const [field, check, expectation] of rules) {
    if (!check(value[field])) return `${prefix}${field} must be ${expectation}`;
  }
  return undefined;
}

function isMessageType(value: unknown): value is CloudWatchLogsMessageType {
  return typeof value === 'string' && Object.hasOwn(ENVELOPE_RULES, value);
}

// Payload depth is 3 (4 with extractedFields); the default limit only guards against hostile input.
const parser = createJsonParser();

/**
 * Decodes one CloudWatch Logs subscription record. Plain (uncompressed) JSON is accepted too, which is what
 * tests and re-ingestion paths that already decompressed produce; the shape is validated either way.
 */
export function decodeCloudWatchLogs(
  data: Uint8Array,
  options: CloudWatchLogsOptions = {},
): Decoded<CloudWatchLogsPayload> {
  const inflated = maybeGunzip(data, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  if (!inflated.ok) return inflated;
  const parsed = parser.object(inflated.value);
  if (!parsed.ok) return parsed;
  const payload = parsed.value;
  const { messageType } = payload;
  if (!isMessageType(messageType)) {
    const shown = typeof messageType === 'string' ? `"${messageType.slice(0, 40)}"` : typeof messageType;
    return fail(
      'invalid-cloudwatch-logs',
      `messageType ${shown} is neither DATA_MESSAGE nor CONTROL_MESSAGE`,
    );
  }
  const envelopeProblem = firstViolation(payload, ENVELOPE_RULES[messageType], '');
  if (envelopeProblem !== undefined)
    return fail('invalid-cloudwatch-logs', `${messageType}: ${envelopeProblem}`);
  const events = payload.logEvents as unknown[];
  for (let index = 0; index < events.length; index += 1) {
    const event = events[index];
    const prefix = `logEvents[${index}].`;
    const problem = isObject(event)
      ? (firstViolation(event as JsonObject, EVENT_RULES, prefix) ??
        ((event as JsonObject).extractedFields === undefined ||
        isObject((event as JsonObject).extractedFields)
          ? undefined
          : `${prefix}extractedFields must be an object`))
      : `logEvents[${index}] must be an object`;
    if (problem !== undefined) return fail('invalid-cloudwatch-logs', `${messageType}: ${problem}`);
  }
  return ok(payload as unknown as CloudWatchLogsPayload);
}
