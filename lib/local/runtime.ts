/**
 * `kpipe local`: the whole pipeline on one machine. kinesis-local and s3rver run as real servers; the
 * functions run in-process behind the emulated event source mapping and the emulated Firehose delivery
 * stream, with the semantics of the services (reference/). A bounded run generates records, drains every
 * stage, mirrors the bucket to disk and reconciles every generated record against what the outputs hold.
 *
 * This module only puts the stages in order: run-context (folders, log, stop list), run-emulators (emulators,
 * clients, the watch), run-consumer, run-firehose, run-windows, run-live, run-drain and run-summary; the
 * rules they decide by are run-rules.
 */
import { EmulatorDownError } from './emulator-watch';
import type { KinesisEventSourceMapping } from './event-source-mapping';
import { pipelineGraph } from './live-graph';
import { ExpectedRecords } from './reconcile';
import { openRun, prepareFolders, stopAll } from './run-context';
import { wireConsumer } from './run-consumer';
import { drain, generate, mirror, producerJob } from './run-drain';
import { createResources, startEmulators, superviseRun } from './run-emulators';
import { stageDeps, wireFirehose } from './run-firehose';
import { publishWhileRunning, runPublisher } from './run-live';
import { inFlightLines, summarize } from './run-summary';
import type { LocalRunOptions, LocalRunSummary, StageTimes } from './run-types';
import { wireWindows } from './run-windows';

export { defaultTemplate } from './run-producers';
export {
  DEFAULT_INVALID_KINDS,
  LOCAL_BUCKET,
  type ConsumerTotals,
  type ConversionTotals,
  type ConverterFactory,
  type LocalProgress,
  type LocalRunOptions,
  type LocalRunSummary,
  type ObjectConverter,
  type StageTimes,
} from './run-types';

/** How often the run reports its progress (onProgress). */
const PROGRESS_INTERVAL_MS = 500;

export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunSummary> {
  const started = Date.now();
  const context = openRun(options);
  const { stages } = context;
  options.live?.setGraph(pipelineGraph(context.config));
  try {
    await prepareFolders(context);
    context.phase('starting the emulators');
    const emulators = await startEmulators(context);
    const earlierKeys = await createResources(context, emulators);
    const times: StageTimes = { startMs: Date.now() - started, generateMs: 0, drainMs: 0, mirrorMs: 0 };

    // The publisher reads the stages as they come; a watcher may call on it at any moment.
    const publisher = (context.publisher = runPublisher(context));
    const deps = stageDeps(context, emulators);
    stages.consumerMapping = wireConsumer(context, deps);
    const firehose = await wireFirehose(context, emulators, deps);
    stages.firehose = firehose.firehose;
    stages.firehoseMapping = firehose.mapping;
    stages.windowMapping = wireWindows(context, deps);
    const mappings = [stages.consumerMapping, stages.firehoseMapping, stages.windowMapping].filter(
      (mapping): mapping is KinesisEventSourceMapping => mapping !== undefined,
    );
    for (const mapping of mappings)
      context.stops.push(async () => {
        await mapping.stop();
      });
    if (publisher) publishWhileRunning(context, publisher);

    const generation = new AbortController();
    options.signal?.addEventListener('abort', () => generation.abort(), { once: true });
    const guard = superviseRun(context, emulators, generation, () => inFlightLines(context));
    for (const mapping of mappings) await guard(mapping.start());

    const expected = new ExpectedRecords();
    const job = producerJob(context, emulators);
    const progress = () =>
      options.onProgress?.({
        generated: stages.lastGenerated,
        consumer: stages.consumerMapping?.counters,
        firehose: stages.firehose?.stats(),
        converted: { ...stages.converted },
      });
    const ticker = setInterval(progress, PROGRESS_INTERVAL_MS);
    context.stops.push(async () => clearInterval(ticker));

    const generated = await generate(context, { job, expected, signal: generation.signal, guard, times });
    await drain(context, { mappings, firehose, guard, times });
    progress();
    publisher?.publish(true);
    const { lakeDirectory, outputs } = await mirror(context, emulators.s3, guard, times);
    return await summarize(context, {
      emulators,
      expected,
      generated,
      outputs,
      earlierKeys,
      lakeDirectory,
      times,
    });
  } catch (error) {
    // A dead emulator has its own report (what was in flight) and exit status.
    if (error instanceof EmulatorDownError) throw error;
    throw new LocalRunError(context.current, error);
  } finally {
    await stopAll(context);
  }
}

/** A run that failed, with the phase it failed in (stopping the emulators comes after, whatever failed). */
export class LocalRunError extends Error {
  constructor(
    readonly phase: string,
    cause: unknown,
  ) {
    super(`failed while ${phase}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'LocalRunError';
  }
}
