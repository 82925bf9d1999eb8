/**
 * What every stage of a local run shares: its options, folders and log, the phase it is in, the list of
 * what to stop at the end, and the counters its stages fill (read by the progress line, the live feed and
 * the summary).
 */
import { appendFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { GenerateProgress } from '../generator';
import type { PipelineConfig } from '../pipeline/types';
import type { EmulatorDown } from './emulator-watch';
import type { KinesisEventSourceMapping, MappingLogger } from './event-source-mapping';
import type { EmulatedFirehose } from './firehose';
import type { LivePublisher } from './live-model';
import {
  emptyConsumerTotals,
  emptyConversionTotals,
  emptyWindowTotals,
  oneLine,
  type Counts,
  type WindowTotals,
} from './run-rules';
import type { ConsumerTotals, ConversionTotals, LocalRunOptions } from './run-types';
import { lockStateDirectory } from './state-lock';

/** What a run writes under its work directory: emulator data and checkpoints, dead letters, the mirror. */
const RUN_FOLDERS = ['state', 'dead-letters', 'bucket'] as const;

/** How long each stop may take once an emulator died (it may wait on the dead one). */
const STOP_AFTER_DOWN_MS = 3_000;

/** The stages' mappings and delivery stream once they exist, and the counters they fill. */
export interface RunStages {
  consumerMapping?: KinesisEventSourceMapping;
  firehoseMapping?: KinesisEventSourceMapping;
  windowMapping?: KinesisEventSourceMapping;
  firehose?: EmulatedFirehose;
  totals: ConsumerTotals;
  converted: ConversionTotals;
  conversionErrors: Counts;
  windowTotals: WindowTotals;
  lastGenerated?: GenerateProgress;
}

export interface RunContext {
  options: LocalRunOptions;
  config: PipelineConfig;
  workDir: string;
  /** Emulator data and checkpoints. */
  state: string;
  logger: MappingLogger;
  warn: (line: string) => void;
  /** The phase the run is in now (for its failure message). */
  current: string;
  phase(name: string): void;
  /** Run in reverse by stopAll, whatever failed. */
  stops: (() => Promise<void>)[];
  /** The emulator that died, once one did. */
  downed?: EmulatorDown;
  stages: RunStages;
  publisher?: LivePublisher;
}

/**
 * The run prints its own progress and summary; the mappings' routine INFO lines would drown them. Warnings
 * are one line each for the terminal, with their details in the run's log file.
 */
function runLogger(logFile: string, onWarning: (line: string) => void): MappingLogger {
  const write = (level: string, message: string, extra?: Record<string, unknown>) => {
    const entry = { time: new Date().toISOString(), level, message, ...extra };
    appendFile(logFile, `${JSON.stringify(entry)}\n`).catch(() => undefined);
    onWarning(`${level}: ${message}${oneLine(extra)}`);
  };
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (message, extra) => write('warning', message, extra as Record<string, unknown> | undefined),
    error: (message, extra) => write('error', message, extra as Record<string, unknown> | undefined),
  };
}

/** Takes the work directory's lock (throws when another run holds it); the lock is the first thing stopped. */
export function openRun(options: LocalRunOptions): RunContext {
  const { workDir } = options;
  const releaseLock = lockStateDirectory(workDir);
  const warn = options.onWarning ?? ((line: string) => console.error(line));
  const context: RunContext = {
    options,
    config: options.pipeline.config,
    workDir,
    state: join(workDir, 'state'),
    logger: runLogger(join(workDir, 'kpipe-local.log'), warn),
    warn,
    current: 'starting',
    phase: (name) => {
      context.current = name;
      options.onPhase?.(name);
    },
    stops: [async () => releaseLock()],
    stages: {
      totals: emptyConsumerTotals(),
      converted: emptyConversionTotals(),
      conversionErrors: {},
      windowTotals: emptyWindowTotals(),
    },
  };
  return context;
}

/**
 * A bounded run starts clean so its numbers reconcile exactly; --follow resumes where it stopped. Only the
 * folders this runtime writes are removed, whatever else the work directory holds.
 */
export async function prepareFolders(context: RunContext): Promise<void> {
  const { workDir } = context;
  if (!context.options.follow) {
    for (const folder of RUN_FOLDERS) await rm(join(workDir, folder), { recursive: true, force: true });
    await rm(join(workDir, 'kpipe-local.log'), { force: true });
  }
  await mkdir(context.state, { recursive: true });
}

/** Stops everything in reverse order; after an emulator died each stop gets a few seconds, then is left. */
export async function stopAll(context: RunContext): Promise<void> {
  context.phase('stopping the emulators');
  const bound = (stop: Promise<void>) =>
    context.downed ? Promise.race([stop, delay(STOP_AFTER_DOWN_MS, undefined, { ref: false })]) : stop;
  for (const stop of context.stops.reverse()) await bound(stop()).catch(() => undefined);
}
