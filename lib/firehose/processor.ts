/**
 * One Firehose transformation invocation, end to end, for both functions:
 *
 * - `transform` (firehoseTransformer): decode → validate → transforms → partition keys → JSON lines;
 * - `keys` (partitionKeys): the data passes through untouched, only `metadata.partitionKeys` is added.
 *
 * Every recordId comes back exactly once, in input order, as Ok / Dropped / ProcessingFailed, and nothing
 * throws because of what a record holds. Records that cannot be returned as they are (mixed partition keys,
 * output over 1,000 KiB, or no room left under the 6,000,000-byte response limit) are re-ingested and
 * returned Dropped; if re-ingestion fails they are ProcessingFailed instead, never both Ok and re-ingested.
 * Choices and their reasons are in docs/firehose.md.
 */
import { definedFields } from '../options';
import { compileKeyRules, type KeyExtractor } from '../partitioning';
import { usesDynamicPartitioning, type DeliveryConfig } from './config';
import type { RecordPipeline } from '../processing/config';
import { createRecordProcessor, type RecordProcessor } from '../processing/record-processor';
import { ownBytes } from '../processing/verbatim';
import { decodeBase64, type JsonObject } from '../records';
import { compileValidator } from '../schema/validate';
import { API_LIMITS } from '../sinks/chunk';
import type { DeliveryOptions } from '../sinks/retry';
import { compileTransforms, type RecordContext } from '../transform';
import {
  createInputFormat,
  INPUT_FORMATS,
  type DecodedRecord,
  type InputFormat,
  type InputFormatName,
} from './inputs';
import {
  deliveryStreamArnOf,
  reingest,
  reingestClients,
  reingestTarget,
  type ReingestClients,
  type ReingestPart,
} from './reingest';
import { entryBytes, fitUnderLimit, MAX_RESPONSE_BYTES, responseBytes } from './response-size';
import {
  DROP_REASONS,
  type DropReason,
  type FirehoseFailureReason,
  type FirehoseInputRecord,
  type FirehoseInvocation,
  type FirehoseOutcome,
  type FirehoseResponseRecord,
  type FirehoseSummary,
} from './types';

export const FIREHOSE_MODES = ['transform', 'keys'] as const;
export type FirehoseMode = (typeof FIREHOSE_MODES)[number];

export interface FirehoseProcessorOptions {
  /** `transform` (firehoseTransformer) or `keys` (partitionKeys). */
  mode: FirehoseMode;
  /** What the records hold; default `delivery.input` of pipeline.yml, else `json`. */
  input?: InputFormatName;
  /** Where transforms read `mask.saltFrom` and similar; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Re-ingestion clients by region, built lazily by lib/aws/clients.ts unless given (tests pass mocks). */
  clients?: Partial<ReingestClients>;
  /** Retry of re-ingestion (attempts, backoff, injectable sleep). */
  retry?: DeliveryOptions;
  /** Ingestion time of the invocation (the `ingestionTime` transform field); default new Date(). */
  now?: () => Date;
  /** Largest decompressed gzip record (gzip bomb guard). Default 16 MiB. */
  maxDecompressedBytes?: number;
  /** Response limit; default 6,000,000 bytes as AWS's blueprint. Lower only in tests. */
  maxResponseBytes?: number;
  /** Largest output record (and re-ingested part) in bytes; default 1,000 KiB, Firehose's record limit. */
  maxRecordBytes?: number;
  /** How many failures the summary lists with their messages. Default 20. */
  maxListedFailures?: number;
}

export type FirehoseProcessor = (event: FirehoseInvocation) => Promise<FirehoseOutcome>;

const MiB = 1024 * 1024;
const DEFAULTS: Record<
  'maxDecompressedBytes' | 'maxResponseBytes' | 'maxRecordBytes' | 'maxListedFailures',
  number
> = {
  maxDecompressedBytes: 16 * MiB,
  maxResponseBytes: MAX_RESPONSE_BYTES,
  maxRecordBytes: API_LIMITS.firehosePutRecordBatch.maxRecordBytes,
  maxListedFailures: 20,
};
const OPTION_NAMES: ReadonlySet<string> = new Set([
  'mode',
  'input',
  'env',
  'clients',
  'retry',
  'now',
  ...Object.keys(DEFAULTS),
]);

type SplitReason = Extract<DropReason, 'reingested-split-keys' | 'reingested-split-size'>;

/** What one record comes to before the response is fitted under the size limit. */
type Plan =
  | { kind: 'ok'; data: string; keys: Record<string, string> | undefined }
  | { kind: 'dropped'; reason: DropReason }
  | { kind: 'failed'; reason: FirehoseFailureReason; message: string }
  | { kind: 'reingest'; reason: DropReason; parts: Uint8Array[] };

type Keys = Record<string, string>;

const PASS = Object.freeze({ ok: true }) as { ok: true };

function failed(reason: FirehoseFailureReason, message: string): Plan {
  return { kind: 'failed', reason, message };
}

const DROPPED = Object.fromEntries(
  (Object.keys(DROP_REASONS) as DropReason[]).map((reason) => [
    reason,
    Object.freeze({ kind: 'dropped', reason }),
  ]),
) as Record<DropReason, Plan>;

function resolveOptions(options: FirehoseProcessorOptions) {
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new TypeError(`firehose processor: unknown option "${name}"`);
  }
  if (!(FIREHOSE_MODES as readonly string[]).includes(options.mode)) {
    throw new TypeError(
      `firehose processor: mode must be ${FIREHOSE_MODES.join(' or ')}, got ${String(options.mode)}`,
    );
  }
  const resolved = { ...DEFAULTS, ...definedFields(options) };
  for (const name of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`firehose processor: ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return resolved;
}

function sameKeys(a: Keys, b: Keys): boolean {
  for (const name in a) if (a[name] !== b[name]) return false;
  return true;
}

/** `subsequenceNumber` is a number in some sources and a string in others. */
function toSubsequence(value: unknown): number | undefined {
  const number = typeof value === 'string' && value !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) ? number : undefined;
}

function contextOf(record: FirehoseInputRecord, ingestionTime: Date): RecordContext {
  const arrivalTime = new Date(record.approximateArrivalTimestamp);
  const meta = record.kinesisRecordMetadata;
  if (meta === undefined) return { ingestionTime, arrivalTime };
  return {
    ingestionTime,
    arrivalTime,
    shardId: meta.shardId,
    sequenceNumber: meta.sequenceNumber,
    subSequenceNumber: toSubsequence(meta.subsequenceNumber),
    partitionKey: meta.partitionKey,
  };
}

/** Groups item indexes by their key set, first appearance first. */
function groupByKeys(indexes: readonly number[], keys: readonly Keys[]): number[][] {
  const groups = new Map<string, number[]>();
  indexes.forEach((index, position) => {
    const id = JSON.stringify(keys[position]);
    const group = groups.get(id);
    if (group === undefined) groups.set(id, [index]);
    else group.push(index);
  });
  return [...groups.values()];
}

function newSummary(event: FirehoseInvocation): FirehoseSummary {
  return {
    invocationId: event.invocationId,
    deliveryStreamArn: deliveryStreamArnOf(event),
    source: event.sourceKinesisStreamArn ? 'kinesis' : 'direct-put',
    records: event.records.length,
    ok: 0,
    dropped: 0,
    processingFailed: 0,
    objects: 0,
    droppedObjects: {},
    droppedRecords: {},
    failed: {},
    reingest: { target: undefined, records: 0, parts: 0, failedParts: 0, errors: [] },
    responseBytes: 0,
    durationMs: 0,
    failures: [],
  };
}

function count<K extends string>(counts: Partial<Record<K, number>>, key: K): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

const NEWLINE = 0x0a;

/**
 * Base64 of `line` and a newline, taken from the record's own data where its bytes are that line (the one
 * rule: lib/processing/verbatim.ts). Saves encoding the record again; any other record is encoded.
 */
function lineData(data: string, bytes: Buffer, line: string): string {
  const own = ownBytes(bytes, line);
  if (own === 'line-newline') return data;
  if (own === 'line') {
    // Strict base64 ends in a group holding the last 1-3 bytes; only that group is encoded again.
    const tail = bytes.length % 3;
    if (tail === 0) return `${data}Cg==`;
    const last = Buffer.allocUnsafe(tail + 1);
    bytes.copy(last, 0, bytes.length - tail);
    last[tail] = NEWLINE;
    return data.slice(0, -4) + last.toString('base64');
  }
  return Buffer.from(`${line}\n`).toString('base64');
}

/** The slices of a loaded pipeline.yml the Firehose processor reads. */
export type FirehosePipeline = RecordPipeline & { config: { delivery?: DeliveryConfig } };

/** Compiles everything once (cold start); the returned function handles one invocation. */
export function createFirehoseProcessor(
  pipeline: FirehosePipeline,
  options: FirehoseProcessorOptions,
): FirehoseProcessor {
  const settings = resolveOptions(options);
  const { config, recordSchema } = pipeline;
  const { mode, maxRecordBytes, maxResponseBytes, maxListedFailures } = settings;
  const inputName = settings.input ?? config.delivery?.input ?? 'json';
  if (!(INPUT_FORMATS as readonly string[]).includes(inputName)) {
    throw new TypeError(`firehose processor: input must be ${INPUT_FORMATS.join(' or ')}, got ${inputName}`);
  }
  const partitioning = config.partitioning;
  const engine = partitioning?.engine ?? 'lambda';
  if (mode === 'keys' && (partitioning === undefined || engine !== 'lambda')) {
    throw new Error(
      `${pipeline.file}: partitionKeys needs a \`partitioning\` block with engine lambda` +
        ' (with engine jq, Firehose extracts the keys itself)',
    );
  }
  // Keys go in the response only where Firehose reads them: engine lambda, and dynamic partitioning on.
  const returnsKeys =
    partitioning !== undefined &&
    engine === 'lambda' &&
    (mode === 'keys' || config.delivery === undefined || usesDynamicPartitioning(config.delivery));
  const extractKeys: KeyExtractor | undefined = returnsKeys ? compileKeyRules(partitioning) : undefined;

  const processor: RecordProcessor =
    mode === 'transform'
      ? createRecordProcessor({
          validate: compileValidator(recordSchema),
          // Objects are parsed from the record's bytes and belong to this path: transform in place.
          transform: compileTransforms(config.transforms, {
            env: settings.env,
            inPlace: true,
            registry: pipeline.customTransforms,
          }),
          extractKeys,
          maxBytes: config.record.maxBytes,
          maxDecompressedBytes: settings.maxDecompressedBytes,
        })
      : createRecordProcessor({
          validate: () => PASS,
          transform: (record) => ({ kind: 'ok', record, changed: false }),
          maxBytes: Number.MAX_SAFE_INTEGER,
          maxDecompressedBytes: settings.maxDecompressedBytes,
        });
  const format: InputFormat = createInputFormat(inputName, {
    processor,
    maxDecompressedBytes: settings.maxDecompressedBytes,
  });
  const itemName = format.name === 'json' ? 'object' : 'log event';
  const clients: ReingestClients = reingestClients(settings.clients);
  const now = settings.now ?? (() => new Date());
  const retry = settings.retry ?? {};

  const where = (index: number, total: number): string =>
    total > 1 ? `${itemName} ${index + 1} of ${total}: ` : '';

  /**
   * Splits items into re-ingestable parts: per group, halves until each half's output fits a record and
   * its rebuilt original fits one put. A single item that fits neither fails the record.
   */
  const split = (
    reason: SplitReason,
    groups: readonly number[][],
    outputBytes: (index: number) => number,
    build: (indexes: readonly number[]) => Buffer,
    total: number,
  ): Plan => {
    const parts: Uint8Array[] = [];
    const visit = (indexes: number[]): string | undefined => {
      let output = 0;
      for (const index of indexes) output += outputBytes(index);
      if (output <= maxRecordBytes) {
        const part = build(indexes);
        if (part.length <= maxRecordBytes) {
          parts.push(part);
          return undefined;
        }
        if (indexes.length === 1) {
          return `${where(indexes[0]!, total)}is ${part.length} bytes as re-ingested data; a record may hold ${maxRecordBytes}`;
        }
      } else if (indexes.length === 1) {
        return `${where(indexes[0]!, total)}is ${output} bytes after transformation; a record may hold ${maxRecordBytes}`;
      }
      const middle = indexes.length >> 1;
      return visit(indexes.slice(0, middle)) ?? visit(indexes.slice(middle));
    };
    for (const group of groups) {
      const problem = visit(group);
      if (problem !== undefined) return failed('record-too-large', problem);
    }
    return { kind: 'reingest', reason, parts };
  };

  const transformRecord = (
    data: string,
    bytes: Buffer,
    { objects, line }: DecodedRecord,
    context: RecordContext,
    summary: FirehoseSummary,
  ): Plan => {
    const total = objects.length;
    if (total === 1) {
      // The common case (one object per record, as after Firehose's JSON de-aggregation), without arrays.
      const outcome = processor.process(objects[0]!, context, line);
      if (outcome.kind === 'failed') return failed(outcome.reason, outcome.message);
      if (outcome.kind === 'dropped') {
        count(summary.droppedObjects, outcome.rule);
        return DROPPED.filtered;
      }
      // The line is at most 3 bytes per UTF-16 unit: measure it only when that could pass the limit.
      const outputBytes =
        (outcome.line.length + 1) * 3 > maxRecordBytes ? Buffer.byteLength(outcome.line) + 1 : 0;
      if (outputBytes > maxRecordBytes) {
        return failed(
          'record-too-large',
          `output is ${outputBytes} bytes; a record may hold ${maxRecordBytes}`,
        );
      }
      const output = outcome.verbatim
        ? lineData(data, bytes, outcome.line)
        : Buffer.from(`${outcome.line}\n`).toString('base64');
      return { kind: 'ok', data: output, keys: outcome.keys };
    }
    const lines: string[] = [];
    const okIndexes: number[] = [];
    const keyList: Keys[] = [];
    let firstKeys: Keys | undefined;
    let mixed = false;
    let drops: string[] | undefined;
    for (let index = 0; index < total; index += 1) {
      const outcome = processor.process(objects[index]!, context);
      if (outcome.kind === 'failed') return failed(outcome.reason, where(index, total) + outcome.message);
      if (outcome.kind === 'dropped') {
        (drops ??= []).push(outcome.rule);
        continue;
      }
      lines.push(outcome.line);
      okIndexes.push(index);
      const keys = outcome.keys;
      if (keys !== undefined) {
        keyList.push(keys);
        if (firstKeys === undefined) firstKeys = keys;
        else if (!mixed && !sameKeys(firstKeys, keys)) mixed = true;
      }
    }
    // Counted only once the record is not failed: a failed record goes to the error output whole.
    if (drops !== undefined) for (const rule of drops) count(summary.droppedObjects, rule);
    if (lines.length === 0) return DROPPED.filtered;
    const joined = lines.length === 1 ? `${lines[0]}\n` : `${lines.join('\n')}\n`;
    const output = mixed ? undefined : Buffer.from(joined);
    if (output !== undefined && output.length <= maxRecordBytes) {
      return { kind: 'ok', data: output.toString('base64'), keys: firstKeys };
    }
    if (lines.length === 1) {
      return failed(
        'record-too-large',
        `${where(okIndexes[0]!, total)}output is ${output?.length ?? 0} bytes; a record may hold ${maxRecordBytes}`,
      );
    }
    const lineBytes = new Map<number, number>();
    okIndexes.forEach((index, position) => lineBytes.set(index, Buffer.byteLength(lines[position]!) + 1));
    return split(
      mixed ? 'reingested-split-keys' : 'reingested-split-size',
      mixed ? groupByKeys(okIndexes, keyList) : [okIndexes],
      (index) => lineBytes.get(index) ?? 0,
      format.rebuilder(bytes),
      total,
    );
  };

  const keysRecord = (
    record: FirehoseInputRecord,
    bytes: Buffer,
    objects: JsonObject[],
    arrivalTime: Date,
  ): Plan => {
    const total = objects.length;
    const keyList: Keys[] = [];
    let mixed = false;
    for (let index = 0; index < total; index += 1) {
      const extracted = extractKeys!(objects[index]!, { arrivalTime });
      if (!extracted.ok) return failed(extracted.reason, where(index, total) + extracted.message);
      if (index > 0 && !mixed && !sameKeys(keyList[0]!, extracted.keys)) mixed = true;
      keyList.push(extracted.keys);
    }
    if (!mixed) return { kind: 'ok', data: record.data, keys: keyList[0] };
    const indexes = objects.map((_object, index) => index);
    return split(
      'reingested-split-keys',
      groupByKeys(indexes, keyList),
      () => 0,
      format.rebuilder(bytes),
      total,
    );
  };

  const planRecord = (record: FirehoseInputRecord, ingestionTime: Date, summary: FirehoseSummary): Plan => {
    if (typeof record.data !== 'string') {
      return failed(
        'invalid-base64',
        `data is ${record.data === null ? 'null' : typeof record.data}, not base64 text`,
      );
    }
    const bytes = decodeBase64(record.data);
    if (!bytes.ok) return failed(bytes.reason, bytes.message);
    const decoded = format.decode(bytes.value);
    if (!decoded.ok) return failed(decoded.reason, decoded.message);
    if (decoded.value.control) return DROPPED['control-message'];
    const objects = decoded.value.objects;
    summary.objects += objects.length;
    return mode === 'transform'
      ? transformRecord(record.data, bytes.value, decoded.value, contextOf(record, ingestionTime), summary)
      : keysRecord(record, bytes.value, objects, new Date(record.approximateArrivalTimestamp));
  };

  return async (event) => {
    const started = Date.now();
    if (!Array.isArray(event?.records)) throw new TypeError('Firehose event: `records` is not an array');
    const records = event.records;
    const summary = newSummary(event);
    const ingestionTime = now();

    const plans = records.map((record): Plan => {
      try {
        return planRecord(record, ingestionTime, summary);
      } catch (error) {
        // A bug must cost one record, not the batch (Firehose would retry all of it, then fail it all).
        return failed('internal-error', `unexpected error: ${(error as Error).message}`);
      }
    });

    // 6 MB guard: everything not Ok is sized at its largest possible form, then Ok entries are admitted.
    const entries: FirehoseResponseRecord[] = new Array<FirehoseResponseRecord>(plans.length);
    const sizes: number[] = new Array<number>(plans.length);
    const candidates: { index: number; okBytes: number; fallbackBytes: number }[] = [];
    for (let index = 0; index < plans.length; index += 1) {
      const plan = plans[index]!;
      const entry = toEntry(records[index]!.recordId, plan);
      entries[index] = entry;
      if (plan.kind === 'dropped' || plan.kind === 'failed') {
        sizes[index] = entryBytes(entry);
        continue;
      }
      const fallbackBytes = entryBytes({ recordId: entry.recordId, result: 'ProcessingFailed' });
      sizes[index] = fallbackBytes;
      if (plan.kind === 'ok') candidates.push({ index, okBytes: entryBytes(entry), fallbackBytes });
    }
    const keep = fitUnderLimit(candidates, responseBytes(sizes), maxResponseBytes);
    candidates.forEach((candidate, position) => {
      if (keep[position]) {
        sizes[candidate.index] = candidate.okBytes;
        return;
      }
      const record = records[candidate.index]!;
      plans[candidate.index] = {
        kind: 'reingest',
        reason: 'reingested-overflow',
        parts: [Buffer.from(record.data, 'base64')],
      };
    });

    await reingestPlanned(event, plans, summary);

    for (let index = 0; index < plans.length; index += 1) {
      const plan = plans[index]!;
      if (plan.kind === 'ok') {
        summary.ok += 1;
        continue;
      }
      // Only entries that are not Ok can have changed (moved out, or re-ingestion failed).
      const recordId = records[index]!.recordId;
      const entry = toEntry(recordId, plan);
      entries[index] = entry;
      sizes[index] = entryBytes(entry);
      if (plan.kind === 'failed') {
        summary.processingFailed += 1;
        count(summary.failed, plan.reason);
        if (summary.failures.length < maxListedFailures) {
          summary.failures.push({ recordId, reason: plan.reason, message: plan.message });
        }
      } else {
        summary.dropped += 1;
        count(summary.droppedRecords, plan.reason);
      }
    }
    summary.responseBytes = responseBytes(sizes);
    summary.durationMs = Date.now() - started;
    return { response: { records: entries }, summary };
  };

  /** Puts every re-ingest plan's parts back; a plan with a failed part becomes ProcessingFailed. */
  async function reingestPlanned(event: FirehoseInvocation, plans: Plan[], summary: FirehoseSummary) {
    const parts: ReingestPart[] = [];
    plans.forEach((plan, entry) => {
      if (plan.kind !== 'reingest') return;
      const partitionKey = partitionKeyOf(event.records[entry]!);
      for (const data of plan.parts) parts.push({ entry, data, partitionKey });
      summary.reingest.records += 1;
    });
    if (parts.length === 0) return;
    const target = reingestTarget(event, clients);
    summary.reingest.target = target.kind;
    summary.reingest.parts = parts.length;
    const outcome = await reingest(target, parts, retry);
    summary.reingest.failedParts = outcome.failed.length;
    const failures = new Map<number, { count: number; first: string }>();
    for (const failure of outcome.failed) {
      const entry = parts[failure.index]!.entry;
      const known = failures.get(entry);
      if (known === undefined) {
        failures.set(entry, { count: 1, first: `${failure.errorCode}: ${failure.errorMessage}` });
      } else known.count += 1;
    }
    summary.reingest.errors = [...new Set(outcome.failed.map((failure) => failure.errorCode))];
    const because = (
      plan: Extract<Plan, { kind: 'reingest' }>,
      failedParts: number,
      first: string,
    ): string => {
      if (target.kind === 'none')
        return `must be re-ingested (${plan.reason}), which is impossible: ${target.problem}`;
      const destination = `${target.kind === 'kinesis' ? 'PutRecords to' : 'PutRecordBatch to'} ${target.name}`;
      return `${DROP_REASONS[plan.reason]}; ${destination} failed for ${failedParts} of ${plan.parts.length} part(s): ${first}`;
    };
    for (const [entry, { count: failedParts, first }] of failures) {
      const plan = plans[entry] as Extract<Plan, { kind: 'reingest' }>;
      // Parts already put back may arrive again: the error output then holds the whole record as a superset.
      plans[entry] = failed('reingest-failed', because(plan, failedParts, first));
    }
  }
}

/** PutRecords needs 1-256 characters; the source record's key keeps it on the same shard. */
function partitionKeyOf(record: FirehoseInputRecord): string {
  const key = record.kinesisRecordMetadata?.partitionKey;
  if (typeof key === 'string' && key.length > 0) return key;
  return String(record.recordId).slice(0, 256) || 'reingested';
}

function toEntry(recordId: string, plan: Plan): FirehoseResponseRecord {
  if (plan.kind === 'ok') {
    return plan.keys === undefined
      ? { recordId, result: 'Ok', data: plan.data }
      : { recordId, result: 'Ok', data: plan.data, metadata: { partitionKeys: plan.keys } };
  }
  return { recordId, result: plan.kind === 'failed' ? 'ProcessingFailed' : 'Dropped' };
}
