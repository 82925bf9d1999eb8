import { resolve } from 'node:path';
import { errorMessage, errorName } from '../sinks/retry';
import { loadTemplateSpec, type TemplateSpec } from './catalog';
import type { GenerateCommandOptions } from './cli-args';
import type { Clock } from './clock';
import { createCloudWatchLogsProducer } from './cloudwatch-logs';
import { diagnoseFailure, UsageError, type FailureDiagnosis, type FailureTarget } from './errors';
import { generate, type GenerateOptions, type GenerateReport } from './generate';
import { createProgressReporter, type ProgressStream } from './progress';
import { createFileSink, createStreamSink, type LineStream, type RecordSink } from './sinks';
import { DEFAULT_SIMULATED_START, compileTemplate, type TemplateClockOption } from './template';

/**
 * What `kpipe generate` needs from outside this folder: the AWS sinks (built by the CLI from lib/sinks'
 * reliable senders and, for --aggregate, lib/records/kpl.ts), the standard streams and an abort signal.
 */
export interface GenerateRunDependencies {
  kinesisSink?: (target: { streamName: string }, options: { aggregate: boolean }) => RecordSink;
  firehoseSink?: (target: { deliveryStreamName: string }) => RecordSink;
  stdout?: LineStream;
  stderr?: ProgressStream;
  signal?: AbortSignal;
  clock?: Clock;
  cwd?: string;
}

function sinkFor(options: GenerateCommandOptions, deps: GenerateRunDependencies): RecordSink {
  const { target } = options;
  const builders: Record<GenerateCommandOptions['target']['type'], () => RecordSink> = {
    stdout: () => createStreamSink(deps.stdout ?? process.stdout),
    file: () => createFileSink(resolve(deps.cwd ?? process.cwd(), target.type === 'file' ? target.path : '')),
    kinesis: () => {
      if (deps.kinesisSink === undefined || target.type !== 'kinesis')
        throw new UsageError('kinesis targets are not available here');
      return deps.kinesisSink({ streamName: target.streamName }, { aggregate: options.aggregate });
    },
    firehose: () => {
      if (deps.firehoseSink === undefined || target.type !== 'firehose')
        throw new UsageError('firehose targets are not available here');
      return deps.firehoseSink({ deliveryStreamName: target.deliveryStreamName });
    },
  };
  return builders[target.type]();
}

function clockOption(options: GenerateCommandOptions): TemplateClockOption | undefined {
  if (options.seed === undefined && options.startTime === undefined) return undefined;
  // Simulated time advances as the schedule would, so timestamps look like the requested rate.
  const stepMs = options.ratePerSecond === undefined ? 1 : 1000 / options.ratePerSecond;
  return { start: options.startTime ?? DEFAULT_SIMULATED_START, stepMs };
}

/** Builds everything a run needs from parsed flags, failing fast (before any record is sent) on bad input. */
export function prepareGenerate(
  options: GenerateCommandOptions,
  deps: GenerateRunDependencies = {},
): { spec: TemplateSpec; generateOptions: GenerateOptions } {
  const spec = loadTemplateSpec(options.template, { schemaPath: options.schema, cwd: deps.cwd });
  const template = compileTemplate(spec.text, {
    seed: options.seed,
    now: clockOption(options),
    newlines: spec.newlines,
    source: spec.path,
  });
  const common = {
    count: options.count,
    durationSeconds: options.durationSeconds,
    ratePerSecond: options.ratePerSecond,
    profile: options.profile,
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    seed: options.seed,
    clock: deps.clock,
    signal: deps.signal,
  };
  if (spec.kind === 'cloudwatch-logs') {
    if (options.invalidRatio > 0)
      throw new UsageError('--invalid-ratio does not apply to the cloudwatch-logs template');
    if (options.gzip) throw new UsageError("cloudwatch-logs payloads are gzip'd already; drop --gzip");
    const producer = createCloudWatchLogsProducer({
      message: template,
      logGroup: spec.cloudwatch?.logGroup,
      subscriptionFilters: spec.cloudwatch?.subscriptionFilters,
      eventsPerPayload: spec.cloudwatch?.eventsPerPayload,
      partitionKey: options.partitionKey,
      seed: options.seed,
    });
    return { spec, generateOptions: { ...common, template: producer, sink: sinkFor(options, deps) } };
  }
  const generateOptions: GenerateOptions = {
    ...common,
    template,
    partitionKey: options.partitionKey,
    gzip: options.gzip,
    sink: sinkFor(options, deps),
  };
  if (options.invalidRatio > 0)
    generateOptions.invalid = { ratio: options.invalidRatio, schema: spec.schema };
  return { spec, generateOptions };
}

/**
 * Consecutive batches with nothing acknowledged after which a run stops (unless --keep-going). Each batch
 * was already retried by its sender, so three in a row means the destination takes nothing: a missing
 * region, credentials or stream, or an endpoint nobody listens on.
 */
export const STOP_AFTER_UNACKNOWLEDGED_BATCHES = 3;

/** A report with the first failure of each kind, diagnosed. */
export interface GenerateRunReport extends GenerateReport {
  failures: FailureDiagnosis[];
}

function failureTarget(target: GenerateCommandOptions['target']): FailureTarget {
  if (target.type === 'kinesis') return { kind: 'stream', name: target.streamName };
  if (target.type === 'firehose') return { kind: 'delivery stream', name: target.deliveryStreamName };
  return { kind: 'stream', name: target.type === 'file' ? target.path : 'stdout' };
}

/**
 * Wraps the sink to keep the first failure of each kind (each error code for unknown kinds) and to stop the
 * run once `STOP_AFTER_UNACKNOWLEDGED_BATCHES` batches in a row had nothing acknowledged.
 */
function watchSink(sink: RecordSink, target: FailureTarget, keepGoing: boolean) {
  const failures = new Map<string, FailureDiagnosis>();
  const controller = new AbortController();
  let unacknowledgedBatches = 0;
  let stopped: string | undefined;
  const note = (errorCode: string, errorMessage: string): void => {
    const diagnosis = diagnoseFailure({ errorCode, errorMessage }, target);
    const key = diagnosis.kind === 'other' ? `other:${errorCode}` : diagnosis.kind;
    if (!failures.has(key)) failures.set(key, diagnosis);
  };
  const count = (acknowledged: number): void => {
    unacknowledgedBatches = acknowledged > 0 ? 0 : unacknowledgedBatches + 1;
    if (keepGoing || stopped !== undefined || unacknowledgedBatches < STOP_AFTER_UNACKNOWLEDGED_BATCHES)
      return;
    stopped =
      `nothing acknowledged in ${unacknowledgedBatches} batches in a row; ` +
      'fix the cause named below, or pass --keep-going to send on regardless';
    controller.abort();
  };
  const watched: RecordSink = {
    send: async (batch) => {
      try {
        const result = await sink.send(batch);
        for (const { errorCode, errorMessage } of result.failed) note(errorCode, errorMessage);
        count(result.acknowledged);
        return result;
      } catch (error) {
        note(errorName(error), errorMessage(error));
        count(0);
        throw error;
      }
    },
    close: () => sink.close(),
  };
  return { sink: watched, signal: controller.signal, failures, stopped: () => stopped };
}

/**
 * `kpipe generate`: prepares, runs with progress on stderr (unless --quiet) and prints the summary. A run
 * whose destination acknowledges nothing stops early (see STOP_AFTER_UNACKNOWLEDGED_BATCHES).
 */
export async function runGenerate(
  options: GenerateCommandOptions,
  deps: GenerateRunDependencies = {},
): Promise<GenerateRunReport> {
  const { generateOptions } = prepareGenerate(options, deps);
  const watch = watchSink(generateOptions.sink, failureTarget(options.target), options.keepGoing);
  const signal = deps.signal === undefined ? watch.signal : AbortSignal.any([deps.signal, watch.signal]);
  const reporter = options.quiet
    ? undefined
    : createProgressReporter({ stream: deps.stderr ?? process.stderr });
  const report = await generate({
    ...generateOptions,
    sink: watch.sink,
    signal,
    onProgress: reporter?.update,
  });
  report.aborted ??= watch.stopped();
  reporter?.done(report);
  return { ...report, failures: [...watch.failures.values()] };
}

/** The first failure of each kind with its message and what to do, one block per kind; empty if none. */
export function formatFailures(failures: readonly FailureDiagnosis[]): string[] {
  return failures.flatMap(({ kind, errorCode, errorMessage, hint }) => [
    `  ${kind}: ${errorCode}: ${errorMessage}`,
    ...(hint === undefined ? [] : [`    -> ${hint}`]),
  ]);
}
