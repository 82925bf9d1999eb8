import { resolve } from 'node:path';
import { loadTemplateSpec, type TemplateSpec } from './catalog';
import type { GenerateCommandOptions } from './cli-args';
import type { Clock } from './clock';
import { createCloudWatchLogsProducer } from './cloudwatch-logs';
import { UsageError } from './errors';
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

/** `kpipe generate`: prepares, runs with progress on stderr (unless --quiet) and prints the summary. */
export async function runGenerate(
  options: GenerateCommandOptions,
  deps: GenerateRunDependencies = {},
): Promise<GenerateReport> {
  const { generateOptions } = prepareGenerate(options, deps);
  const reporter = options.quiet
    ? undefined
    : createProgressReporter({ stream: deps.stderr ?? process.stderr });
  const report = await generate({ ...generateOptions, onProgress: reporter?.update });
  reporter?.done(report);
  return report;
}
