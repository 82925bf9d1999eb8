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
 * Choices and their reasons are in docs/firehose.md. The stages: record-planner.ts (a record → its plan),
 * settle-plans.ts (the 6 MB guard, re-ingestion, the tally), plan.ts (the plans' pure rules).
 */
import { definedFields } from '../options';
import { compileKeyRules, type KeyExtractor } from '../partitioning';
import { usesDynamicPartitioning, type DeliveryConfig } from './config';
import type { RecordPipeline } from '../processing/config';
import { createRecordProcessor, type RecordProcessor } from '../processing/record-processor';
import { compileValidator } from '../schema/validate';
import { API_LIMITS } from '../sinks/chunk';
import type { DeliveryOptions } from '../sinks/retry';
import { compileTransforms } from '../transform';
import { createInputFormat, INPUT_FORMATS, type InputFormatName } from './inputs';
import { failed, type Plan } from './plan';
import { createRecordPlanner } from './record-planner';
import { deliveryStreamArnOf, reingestClients, type ReingestClients } from './reingest';
import { MAX_RESPONSE_BYTES } from './response-size';
import { guardResponseSize, reingestPlanned, tallyPlans } from './settle-plans';
import type { FirehoseInvocation, FirehoseOutcome, FirehoseSummary } from './types';

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

// Stryker disable next-line all: keys mode only decodes records (format.decode), it never processes an object
const PASS = Object.freeze({ ok: true }) as { ok: true };

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

/** An invocation's summary before any record is counted (exported for the tests of the stages that fill it). */
export function newSummary(event: FirehoseInvocation): FirehoseSummary {
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

/** The slices of a loaded pipeline.yml the Firehose processor reads. */
export type FirehosePipeline = RecordPipeline & { config: { delivery?: DeliveryConfig } };

/** Compiles everything once (cold start); the returned function handles one invocation. */
export function createFirehoseProcessor(
  pipeline: FirehosePipeline,
  options: FirehoseProcessorOptions,
): FirehoseProcessor {
  const settings = resolveOptions(options);
  const { config, recordSchema } = pipeline;
  const { mode } = options;
  const { maxRecordBytes, maxResponseBytes, maxListedFailures } = settings;
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
            // Stryker disable next-line BooleanLiteral: in place only saves copies; split parts are rebuilt from the record's bytes
            inPlace: true,
            registry: pipeline.customTransforms,
          }),
          extractKeys,
          maxBytes: config.record.maxBytes,
          maxDecompressedBytes: settings.maxDecompressedBytes,
        })
      : createRecordProcessor({
          // Stryker disable next-line all: keys mode only decodes records (format.decode), it never processes an object
          validate: () => PASS,
          // Stryker disable next-line all: as above
          transform: (record) => ({ kind: 'ok', record, changed: false }),
          maxBytes: Number.MAX_SAFE_INTEGER,
          maxDecompressedBytes: settings.maxDecompressedBytes,
        });
  const format = createInputFormat(inputName, {
    processor,
    maxDecompressedBytes: settings.maxDecompressedBytes,
  });
  const planRecord = createRecordPlanner({ mode, processor, format, extractKeys, maxRecordBytes });
  const clients: ReingestClients = reingestClients(settings.clients);
  const now = settings.now ?? (() => new Date());
  const retry: DeliveryOptions = settings.retry ?? {};

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

    const sized = guardResponseSize(records, plans, maxResponseBytes);
    await reingestPlanned(event, plans, summary, clients, retry);
    summary.responseBytes = tallyPlans(records, plans, sized, summary, maxListedFailures);
    summary.durationMs = Date.now() - started;
    return { response: { records: sized.entries }, summary };
  };
}
