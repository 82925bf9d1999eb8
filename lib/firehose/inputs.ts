/**
 * What a Firehose record holds, per `delivery.input`: JSON objects (one, JSON lines or concatenated), or a
 * gzip'd CloudWatch Logs subscription payload whose log events become one object each. Each format can also
 * rebuild, in its own shape, a record holding only some of its items: that is what gets re-ingested when a
 * record must be split (mixed partition keys, output over 1,000 KiB).
 */
import { gzipSync } from 'node:zlib';
import type { RecordProcessor } from '../processing/record-processor';
import {
  createJsonParser,
  decodeCloudWatchLogs,
  ok,
  type CloudWatchLogsEvent,
  type CloudWatchLogsPayload,
  type Decoded,
  type JsonObject,
} from '../records';

export const INPUT_FORMATS = ['json', 'cloudwatch-logs'] as const;
export type InputFormatName = (typeof INPUT_FORMATS)[number];

export interface DecodedRecord {
  /** The objects processed one by one: JSON objects, or one object per log event. */
  objects: JsonObject[];
  /** The record's text when it stands for its one JSON object (ParsedJson.line); undefined for log events. */
  line: string | undefined;
  /** A CloudWatch Logs CONTROL_MESSAGE: returned Dropped. */
  control: boolean;
}

export interface InputFormat {
  readonly name: InputFormatName;
  decode(bytes: Buffer): Decoded<DecodedRecord>;
  /**
   * For re-ingestion: builds, from the record's original bytes, data in the input's own shape holding only
   * the items at `indexes`. Only called on bytes that `decode` accepted.
   */
  rebuilder(bytes: Buffer): (indexes: readonly number[]) => Buffer;
}

export interface InputFormatOptions {
  /** The per-record path; JSON decoding (gunzip, bounded) is its `decode`. */
  processor: RecordProcessor;
  maxDecompressedBytes: number;
}

const NO_OBJECTS: DecodedRecord = Object.freeze({
  objects: [],
  line: undefined,
  control: true,
}) as DecodedRecord;

function jsonFormat({ processor }: InputFormatOptions): InputFormat {
  return {
    name: 'json',
    decode(bytes) {
      const decoded = processor.decode(bytes);
      if (!decoded.ok) return decoded;
      return ok({ objects: decoded.value.objects, line: decoded.value.line, control: false });
    },
    rebuilder(bytes) {
      // Processing may have edited the parsed objects in place: parse the original again.
      const decoded = processor.decode(bytes);
      if (!decoded.ok) throw new Error(`rebuilder: the record no longer decodes (${decoded.message})`);
      const lines = decoded.value.objects.map((object) => JSON.stringify(object));
      return (indexes) => Buffer.from(`${indexes.map((index) => lines[index]).join('\n')}\n`);
    },
  };
}

/**
 * The object a log event becomes. A message that is a JSON object is parsed into `json` (so Athena and
 * DuckDB can query its fields) and `message` is left out; any other message stays text in `message`.
 */
function logEventObject(
  payload: CloudWatchLogsPayload,
  event: CloudWatchLogsEvent,
  parseMessage: (message: string) => JsonObject | undefined,
): JsonObject {
  const object: JsonObject = {
    owner: payload.owner,
    logGroup: payload.logGroup,
    logStream: payload.logStream,
    id: event.id,
    timestamp: event.timestamp,
  };
  const parsed = parseMessage(event.message);
  if (parsed === undefined) object.message = event.message;
  else object.json = parsed;
  if (event.extractedFields !== undefined) object.extractedFields = event.extractedFields;
  return object;
}

function cloudWatchLogsFormat({ maxDecompressedBytes }: InputFormatOptions): InputFormat {
  const json = createJsonParser();
  const parseMessage = (message: string): JsonObject | undefined => {
    // Only text that starts like an object is worth a parse attempt.
    const start = message.search(/\S/);
    if (start === -1 || message.charCodeAt(start) !== 0x7b) return undefined;
    const parsed = json.object(message);
    return parsed.ok ? parsed.value : undefined;
  };
  const decodePayload = (bytes: Buffer) => decodeCloudWatchLogs(bytes, { maxDecompressedBytes });
  return {
    name: 'cloudwatch-logs',
    decode(bytes) {
      const decoded = decodePayload(bytes);
      if (!decoded.ok) return decoded;
      const payload = decoded.value;
      if (payload.messageType === 'CONTROL_MESSAGE') return ok(NO_OBJECTS);
      return ok({
        objects: payload.logEvents.map((event) => logEventObject(payload, event, parseMessage)),
        line: undefined,
        control: false,
      });
    },
    rebuilder(bytes) {
      const decoded = decodePayload(bytes);
      if (!decoded.ok) throw new Error(`rebuilder: the record no longer decodes (${decoded.message})`);
      const payload = decoded.value;
      // Same envelope, fewer events, gzip'd again: what a subscription would have sent.
      return (indexes) =>
        gzipSync(JSON.stringify({ ...payload, logEvents: indexes.map((index) => payload.logEvents[index]) }));
    },
  };
}

const FORMATS: Record<InputFormatName, (options: InputFormatOptions) => InputFormat> = {
  json: jsonFormat,
  'cloudwatch-logs': cloudWatchLogsFormat,
};

export function createInputFormat(name: InputFormatName, options: InputFormatOptions): InputFormat {
  const factory = FORMATS[name];
  if (factory === undefined) {
    throw new Error(`delivery.input: unknown input '${String(name)}' (expected ${INPUT_FORMATS.join(', ')})`);
  }
  return factory(options);
}
