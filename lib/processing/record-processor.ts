/**
 * The per-record path shared by the stream consumer and the Firehose transformer:
 * bytes → (gunzip) → JSON objects → schema validation → transforms → partition keys → one JSON line.
 * Everything configurable is compiled once (cold start); each record gets an outcome, never an exception.
 */
import { compileKeyRules, type KeyExtractor, type KeyFailureReason } from '../partitioning';
import {
  createJsonParser,
  maybeGunzip,
  type Decoded,
  type DecodeFailureReason,
  type JsonObject,
  type ParsedJson,
} from '../records';
import { compileValidator, formatIssues, type Validator } from '../schema/validate';
import { compileTransforms, type RecordContext, type RecordTransform } from '../transform';
import type { RecordPipeline } from './config';

/** Every reason a record can be rejected on this path. */
export type RejectionReason =
  DecodeFailureReason | 'schema-violation' | 'transform-failed' | 'record-too-large' | KeyFailureReason;

export type ObjectOutcome =
  | {
      kind: 'ok';
      record: JsonObject;
      line: string;
      keys: Record<string, string> | undefined;
      /** The line is the record's own text, unchanged (ParsedJson.line). */
      verbatim: boolean;
    }
  | { kind: 'dropped'; rule: string }
  | { kind: 'failed'; reason: RejectionReason; message: string };

export interface RecordProcessor {
  /** Bytes of one record (already base64-decoded and de-aggregated) into its JSON objects. */
  decode(data: Buffer): Decoded<ParsedJson>;
  /** As `decode`, for callers that never pass a record on as its text: only the objects. */
  objects(data: Buffer): Decoded<JsonObject[]>;
  /**
   * One parsed object through validation, transforms and key extraction to its output line. `line` is the
   * record's own text when it stands for the object exactly (ParsedJson.line): if no transform changes the
   * object, it becomes the output line instead of a re-serialisation.
   */
  process(object: JsonObject, context: RecordContext, line?: string): ObjectOutcome;
  /** Whether partition keys are extracted (pipeline.yml has a `partitioning` block). */
  readonly partitioned: boolean;
}

export interface RecordProcessorParts {
  /** Must not modify the object (no ajv useDefaults): an unchanged record may be passed on as its text. */
  validate: Validator;
  transform: RecordTransform;
  extractKeys?: KeyExtractor;
  /** Largest output line in bytes (UTF-8, without the newline). */
  maxBytes: number;
  /** Largest decompressed payload accepted from a gzip'd record. */
  maxDecompressedBytes?: number;
}

/** Producers gzip batches of JSON lines; 64 MiB is far above Kinesis' 1 MiB record and below a bomb. */
const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export function createRecordProcessor(parts: RecordProcessorParts): RecordProcessor {
  const json = createJsonParser();
  const maxDecompressed = parts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const { validate, transform, extractKeys, maxBytes } = parts;

  return {
    partitioned: extractKeys !== undefined,
    decode(data) {
      const inflated = maybeGunzip(data, maxDecompressed);
      return inflated.ok ? json.parse(inflated.value) : inflated;
    },
    objects(data) {
      const inflated = maybeGunzip(data, maxDecompressed);
      return inflated.ok ? json.records(inflated.value) : inflated;
    },
    process(object, context, faithfulLine) {
      const validation = validate(object);
      if (!validation.ok)
        return { kind: 'failed', reason: 'schema-violation', message: formatIssues(validation.issues) };
      const transformed = transform(object, context);
      if (transformed.kind !== 'ok') return transformed;
      let keys: Record<string, string> | undefined;
      if (extractKeys) {
        const extracted = extractKeys(transformed.record, {
          arrivalTime: context.arrivalTime ?? context.ingestionTime,
        });
        if (!extracted.ok) return { kind: 'failed', reason: extracted.reason, message: extracted.message };
        keys = extracted.keys;
      }
      // Unchanged means the very object parsed from the record (custom transforms always count as changes).
      const original = transformed.changed ? undefined : faithfulLine;
      const line = original ?? JSON.stringify(transformed.record);
      // Byte length only matters near the limit: a UTF-8 string is at most 3 bytes per UTF-16 unit.
      if (line.length * 3 > maxBytes && Buffer.byteLength(line) > maxBytes) {
        return {
          kind: 'failed',
          reason: 'record-too-large',
          message: `record is ${Buffer.byteLength(line)} bytes after transformation; the limit is ${maxBytes}`,
        };
      }
      return { kind: 'ok', record: transformed.record, line, keys, verbatim: original !== undefined };
    },
  };
}

/** Compiles the processor a pipeline.yml describes (record schema, transforms, partitioning). */
export function recordProcessorFor(
  pipeline: RecordPipeline,
  env: NodeJS.ProcessEnv = process.env,
): RecordProcessor {
  const { config, recordSchema, customTransforms } = pipeline;
  return createRecordProcessor({
    validate: compileValidator(recordSchema),
    // The object was just parsed from the record's bytes and belongs to this path: edit it in place.
    transform: compileTransforms(config.transforms, { env, inPlace: true, registry: customTransforms }),
    extractKeys: config.partitioning ? compileKeyRules(config.partitioning) : undefined,
    maxBytes: config.record.maxBytes,
  });
}
