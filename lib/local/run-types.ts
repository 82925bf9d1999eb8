/**
 * The types and constants of a local run (`kpipe local`): its options, progress and summary. A leaf module
 * the run's stages share, so none of them imports the coordinator (lib/local/runtime.ts).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { s3ObjectCreatedEvent } from '../events/factories';
import type { GenerateProgress, GenerateReport, InvalidKind } from '../generator';
import type { LoadedPipeline } from '../pipeline/load';
import type { KinesisEmulatorName } from './emulators';
import type { MappingCounters } from './event-source-mapping';
import type { FirehoseCounters } from './firehose';
import type { LiveChannel } from './live';
import type { Reconciliation } from './reconcile';

/** Converts one raw object the emulated Firehose wrote (S3 ObjectCreated → parquetConverter). */
export type ObjectConverter = (event: ReturnType<typeof s3ObjectCreatedEvent>) => Promise<{
  rows: number;
  errors: number;
  /** Per object, its error records by code (the console's errors by reason) and where it wrote them. */
  objects?: { errorsByCode: Partial<Record<string, number>>; errors?: number; errorKey?: string }[];
}>;

/** Builds the converter once the S3 emulator's client exists. */
export type ConverterFactory = (client: S3Client) => ObjectConverter;

export interface LocalRunOptions {
  pipeline: LoadedPipeline;
  /** Where checkpoints, dead letters, emulator data and the mirrored lake go (default `.local`). */
  workDir: string;
  /** Records to generate in a bounded run (default 2,000). */
  count: number;
  /** Keep generating (at `ratePerSecond`) and running until the signal aborts. */
  follow: boolean;
  ratePerSecond?: number;
  /** Share of deliberately bad records (not JSON, schema violations, oversize). */
  invalidRatio: number;
  /** Relative weights of the bad kinds (default DEFAULT_INVALID_KINDS). */
  invalidKinds?: Partial<Record<InvalidKind, number>>;
  seed?: number;
  /** Generator template (default: defaultTemplate, the one that fits the pipeline). */
  template?: string;
  /** Concurrent PutRecords producers: one cannot reach kinesis-local's ceiling. */
  producers: number;
  /**
   * Generate and send PutRecords in a worker thread (default true; `KPIPE_PRODUCER_THREAD=0` in `env` turns
   * it off), off the loop of the consumer, Firehose and converter. Direct put always runs on this thread.
   */
  producerThread?: boolean;
  /** Which Kinesis emulator to start (default kinesalite). */
  kinesisEmulator?: KinesisEmulatorName;
  /** Use running emulators instead of starting them. */
  endpoints?: { kinesis?: string; s3?: string };
  /** The Parquet converter; without it raw objects stay raw. */
  converter?: ConverterFactory;
  env: NodeJS.ProcessEnv;
  /** Aborting it stops generation; the run still drains, reconciles what it generated and says so. */
  signal?: AbortSignal;
  onProgress?: (progress: LocalProgress) => void;
  /** What the run is doing now ("draining Firehose buffers"), for a Ctrl-C message. */
  onPhase?: (phase: string) => void;
  /** One line per warning; the details go to `<workDir>/kpipe-local.log`. Default: stderr. */
  onWarning?: (line: string) => void;
  /** Where the run publishes its graph and live counters (the local console); see live-model.ts. */
  live?: LiveChannel;
}

export interface StageTimes {
  startMs: number;
  generateMs: number;
  drainMs: number;
  mirrorMs: number;
}

export interface LocalProgress {
  generated?: GenerateProgress;
  consumer: MappingCounters | undefined;
  firehose: FirehoseCounters | undefined;
  converted: ConversionTotals;
}

export interface ConversionTotals {
  objects: number;
  rows: number;
  /** Records written to the conversion error prefix. */
  errors: number;
  /** Objects the converter failed on three times (S3's async invoke retries). */
  failedObjects: number;
}

export interface ConsumerTotals {
  batches: number;
  delivered: number;
  dropped: Record<string, number>;
  failed: Record<string, number>;
  sinkErrors: number;
}

export interface LocalRunSummary {
  /** Which Kinesis emulator ran ('external' for --kinesis-endpoint). */
  emulator: string;
  /** Where the generator sent its records. */
  target: 'the stream' | 'the delivery stream';
  bucket: string;
  lakeDirectory: string;
  generated: GenerateReport;
  consumer: ConsumerTotals & { mapping: MappingCounters | undefined };
  firehose: FirehoseCounters | undefined;
  converted: ConversionTotals;
  windows: MappingCounters | undefined;
  reconciliation: Reconciliation;
  /** Stopped (signal) before generating `count` records. */
  interrupted: boolean;
  /** What the run failed to do although nothing was lost (runProblems); empty when it did its job. */
  problems: string[];
  /** Records lost, failed or left undelivered, one line per path (undeliveredByPath); empty when none. */
  undelivered: string[];
  times: StageTimes;
}

export const LOCAL_BUCKET = 'kpipe-local';

/** A megabyte record costs kinesis-local about two seconds (each reader fetches it too): rare, but present. */
export const DEFAULT_INVALID_KINDS: Partial<Record<InvalidKind, number>> = {
  'not-json': 20,
  'schema-violation': 20,
  oversize: 1,
};
