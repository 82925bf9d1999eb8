/**
 * Types of the declarative transforms in pipeline.yml (`transforms:`) and of the compiled function.
 * schemas/pipeline/transforms.schema.json describes the same shapes for YAML validation.
 */

export type JsonScalar = string | number | boolean | null;
export type JsonValue = JsonScalar | JsonValue[] | { [key: string]: JsonValue };

/** Output formats for times (the `timestamp` step and time-valued `add` steps). */
export type TimeFormat = 'iso' | 'epochMillis' | 'epochSeconds';

/** What the caller knows about a record besides its payload (Kinesis / Firehose metadata). */
export interface RecordContext {
  /** When this function received the record (usually one `new Date()` per batch). */
  ingestionTime: Date;
  /** Kinesis/Firehose `approximateArrivalTimestamp`. */
  arrivalTime?: Date;
  shardId?: string;
  sequenceNumber?: string;
  /** Position inside a KPL aggregated record. */
  subSequenceNumber?: number;
  partitionKey?: string;
}

export type ContextField = keyof RecordContext;

/** `{ field, equals }`, `{ field, in: [...] }` or `{ field, exists: true|false }`. */
export type Condition =
  | { field: string; equals: JsonScalar }
  | { field: string; in: JsonScalar[] }
  | { field: string; exists: boolean };

/** Each step's configuration, keyed by the step's name in pipeline.yml. */
export interface StepConfigs {
  rename: { from: string; to: string };
  drop: { fields: string[] };
  mask: { fields: string[]; saltFrom: string };
  add: { field: string; value: JsonValue } | { field: string; from: ContextField; format?: TimeFormat };
  timestamp: { fields: string[]; to: TimeFormat };
  flatten: { separator?: string; maxDepth?: number; fields?: string[] };
  filter: { name?: string } & ({ drop: Condition } | { keep: Condition });
  custom: { name: string };
}

export type StepName = keyof StepConfigs;

/** One item of `transforms:`: an object with exactly one key, the step's name. */
export type TransformStep = { [K in StepName]: { [P in K]: StepConfigs[P] } }[StepName];

export type TransformOutcome =
  /** `changed` is false when no step wrote or removed anything: the record is exactly as it came in. */
  | { kind: 'ok'; record: Record<string, unknown>; changed: boolean }
  /** Removed on purpose by a filter (or a custom transform returning null); callers count it by `rule`. */
  | { kind: 'dropped'; rule: string }
  /** The record cannot be transformed; `message` names the step and the field. */
  | { kind: 'failed'; reason: 'transform-failed'; message: string };

export type RecordTransform = (record: Record<string, unknown>, context: RecordContext) => TransformOutcome;

/**
 * A user-written step (transforms/index.ts). Return the record (the same object edited, or a new one),
 * `null` to drop it, or throw to fail it (the error message is kept). Must be synchronous.
 * The record it receives belongs to the transform: edit it freely, nested objects included.
 */
export type CustomTransform = (
  record: Record<string, unknown>,
  context: RecordContext,
) => Record<string, unknown> | null;

export interface CompileOptions {
  /** Where `mask.saltFrom` variables are read, once, at compile time. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Custom transforms by name (transforms/index.ts, handed in by lib/pipeline/load.ts). Default: none. */
  registry?: Record<string, CustomTransform>;
  /**
   * Edit the caller's record in place instead of copying what is changed. Faster; only for callers that
   * own the object (e.g. just JSON.parse'd it) and do not look at it again after a failure. Default false.
   */
  inPlace?: boolean;
}
