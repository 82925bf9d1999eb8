/**
 * What the query reads. By default the stream consumer's view of the stream: the same decoding (gzip, JSON
 * lines) as lib/processing/record-processor.ts, the same schema validation and the same transforms, so the
 * numbers agree with what lands in the lake. Partition keys and the output line are not needed here, so the
 * processor's `process` (which builds both) is not used; its parts are compiled the same way instead.
 */
import type { RecordPipeline } from '../processing/config';
import { createRecordProcessor, type RejectionReason } from '../processing/record-processor';
import type { Decoded, JsonObject } from '../records';
import { compileValidator, formatIssues, type Validator } from '../schema/validate';
import { compileTransforms, type RecordContext, type RecordTransform } from '../transform';
import type { AnalyticsRecords } from './config';

export type InputOutcome =
  | { kind: 'ok'; record: JsonObject }
  | { kind: 'dropped'; rule: string }
  | { kind: 'failed'; reason: RejectionReason; message: string };

export interface AnalyticsInput {
  /** Bytes of one user record (base64-decoded, de-aggregated) into its JSON objects. */
  decode(data: Buffer): Decoded<JsonObject[]>;
  prepare(object: JsonObject, context: RecordContext | undefined): InputOutcome;
  /** Whether `prepare` reads the context (transforms do); without it none is built per record. */
  readonly usesContext: boolean;
}

function validated(validate: Validator, object: JsonObject): InputOutcome {
  const result = validate(object);
  return result.ok
    ? { kind: 'ok', record: object }
    : { kind: 'failed', reason: 'schema-violation', message: formatIssues(result.issues) };
}

type Preparer = (object: JsonObject, context: RecordContext | undefined) => InputOutcome;

const PREPARERS: Record<AnalyticsRecords, (pipeline: RecordPipeline, env: NodeJS.ProcessEnv) => Preparer> = {
  raw: () => (object) => ({ kind: 'ok', record: object }),
  validated: (pipeline) => {
    const validate = compileValidator(pipeline.recordSchema);
    return (object) => validated(validate, object);
  },
  transformed: (pipeline, env) => {
    const validate = compileValidator(pipeline.recordSchema);
    // The object was just parsed from the record's bytes and belongs to this path: edit it in place.
    const transform: RecordTransform = compileTransforms(pipeline.config.transforms, {
      env,
      inPlace: true,
      registry: pipeline.customTransforms,
    });
    return (object, context) => {
      const checked = validated(validate, object);
      return checked.kind === 'ok' ? transform(object, context!) : checked;
    };
  },
};

export function analyticsInput(
  pipeline: RecordPipeline,
  mode: AnalyticsRecords,
  env: NodeJS.ProcessEnv = process.env,
): AnalyticsInput {
  // Only the shared processor's decoding is used; validate/transform are unused placeholders there.
  const processor = createRecordProcessor({
    validate: () => ({ ok: true }),
    transform: (record) => ({ kind: 'ok', record, changed: false }),
    maxBytes: pipeline.config.record.maxBytes,
  });
  const decode = (data: Buffer): Decoded<JsonObject[]> => processor.objects(data);
  return { decode, prepare: PREPARERS[mode](pipeline, env), usesContext: mode === 'transformed' };
}
