/**
 * `kpipe local`: the whole pipeline on one machine. kinesis-local and s3rver run as real servers; the
 * functions run in-process behind the emulated event source mapping and the emulated Firehose delivery
 * stream, with the semantics of the services (reference/). A bounded run generates records, drains every
 * stage, mirrors the bucket to disk and reconciles every generated record against what the outputs hold.
 */
import { appendFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationResult, KinesisStreamEvent } from 'aws-lambda';
import { createResultSink, createWindowAggregator } from '../analytics';
import { createKinesisClient, createS3Client, lazyClients } from '../aws/clients';
import { createStreamConsumer, type BatchSummary } from '../consumer';
import { s3ObjectCreatedEvent } from '../events/factories';
import { createFirehoseProcessor } from '../firehose';
import type { GenerateProgress, GenerateReport, InvalidKind } from '../generator';
import type { LoadedPipeline } from '../pipeline/load';
import {
  createBucket,
  createStreamAndWait,
  localOverrides,
  DEFAULT_KINESIS_EMULATOR,
  startKinesisEmulator,
  startS3rver,
  type KinesisEmulator,
  type KinesisEmulatorName,
  type S3Emulator,
} from './emulators';
import {
  KinesisEventSourceMapping,
  type KinesisWindowEvent,
  type MappingCounters,
  type MappingLogger,
} from './event-source-mapping';
import { createEmulatedFirehose, type EmulatedFirehose, type FirehoseCounters } from './firehose';
import { openSourceCheckpoints } from './firehose-source';
import {
  answerClock,
  EmulatorDownError,
  superviseEmulators,
  type EmulatorDown,
  type WatchedEmulator,
} from './emulator-watch';
import {
  existingKeys,
  ExpectedRecords,
  mirrorBucket,
  reconcile,
  runProblems,
  undeliveredByPath,
  type Reconciliation,
} from './reconcile';
import { defaultTemplate, runProducers, type ProducerJob } from './run-producers';
import { lockStateDirectory } from './state-lock';
import type { LiveChannel } from './live';
import { pipelineGraph, STAGE } from './live-graph';
import { conversionErrorInputs, firehoseErrorInput } from './live-errors';
import { createLivePublisher, type LivePublisher } from './live-model';
import { shardAges, type RunCounters } from './live-stages';

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

/** What a run writes under its work directory: emulator data and checkpoints, dead letters, the mirror. */
const RUN_FOLDERS = ['state', 'dead-letters', 'bucket'] as const;

function addCounts(target: Record<string, number>, source: Partial<Record<string, number>>): void {
  for (const [key, value] of Object.entries(source)) target[key] = (target[key] ?? 0) + (value ?? 0);
}

/** Lambda event records back into the shape the emulated Firehose takes from a stream. */
function toSourceRecords(event: KinesisStreamEvent) {
  return event.Records.map((record) => ({
    data: Buffer.from(record.kinesis.data, 'base64'),
    partitionKey: record.kinesis.partitionKey,
    sequenceNumber: record.kinesis.sequenceNumber,
    shardId: record.eventID.slice(0, record.eventID.indexOf(':')),
    approximateArrivalTimestamp: Math.round(record.kinesis.approximateArrivalTimestamp * 1000),
  }));
}

/** `key=value` pairs of a log record's details, on one line. */
function oneLine(extra: Record<string, unknown> | undefined): string {
  if (!extra) return '';
  const parts = Object.entries(extra).map(
    ([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
  );
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
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

/**
 * A FirehoseClient whose PutRecordBatch goes to the emulated delivery stream (sinks, re-ingestion); any other
 * command, or another delivery stream, fails as AWS would fail it for a stream that does not exist.
 */
function emulatedFirehoseClient(target: () => EmulatedFirehose | undefined): FirehoseClient {
  const send = async (command: unknown) => {
    const firehose = target();
    if (!(command instanceof PutRecordBatchCommand)) {
      throw new Error(
        `kpipe local emulates PutRecordBatch only, not ${(command as object).constructor.name}`,
      );
    }
    const name = command.input.DeliveryStreamName;
    if (!firehose || firehose.name !== name) {
      const known = firehose ? `only ${firehose.name} runs locally` : 'no delivery stream runs locally';
      throw Object.assign(new Error(`delivery stream ${name} not found: ${known}`), {
        name: 'ResourceNotFoundException',
      });
    }
    const output = firehose.put(
      (command.input.Records ?? []).map((record) => record.Data ?? new Uint8Array(0)),
    );
    return {
      FailedPutCount: output.failedPutCount,
      Encrypted: output.encrypted,
      RequestResponses: output.requestResponses.map((response) => ({ RecordId: response.recordId })),
    };
  };
  return { send, destroy: () => undefined } as unknown as FirehoseClient;
}

/** One-at-a-time queue; a task's failure is its own to handle (tasks must not reject). */
function serialQueue() {
  let tail: Promise<void> = Promise.resolve();
  return {
    push(task: () => Promise<void>) {
      tail = tail.then(task);
    },
    idle: () => tail,
  };
}

/** S3 invokes a function asynchronously: a failed invocation is retried twice, then given up (on-failure). */
const ASYNC_INVOKE_ATTEMPTS = 3;

export { defaultTemplate } from './run-producers';

/** Restarts of its own emulators a --follow run makes before it stops. */
const MAX_RESTARTS = 3;

/** How long each stop may take once an emulator died (it may wait on the dead one). */
const STOP_AFTER_DOWN_MS = 3_000;

/** The emulators a run watches: its own processes by their exit and health, external ones by health. */
function watched(
  options: LocalRunOptions,
  kinesis: KinesisEmulator | undefined,
  s3: S3Emulator | undefined,
  calls: Record<'kinesis' | 's3', { endpoint: string; answeredAt: () => number }>,
): WatchedEmulator[] {
  const own = options.follow
    ? 'run kpipe local --follow again: it restarts the emulators on their data and resumes from the checkpoints'
    : 'run kpipe local again (a bounded run starts over)';
  const external = (flag: string) =>
    `start it again (or point ${flag} at one that runs), then run kpipe local again`;
  return [
    kinesis
      ? { name: kinesis.name, exited: kinesis.exited, remedy: own, ...calls.kinesis }
      : {
          name: 'the Kinesis emulator of --kinesis-endpoint',
          remedy: external('--kinesis-endpoint'),
          ...calls.kinesis,
        },
    s3
      ? { name: 's3rver', exited: s3.exited, remedy: own, ...calls.s3 }
      : { name: 'the S3 emulator of --s3-endpoint', remedy: external('--s3-endpoint'), ...calls.s3 },
  ];
}

/** How often the live feed publishes while someone watches. */
const LIVE_INTERVAL_MS = 1000;

/** A window's end: from its rows, else its start plus the tumbling window. */
function windowEnd(rows: readonly Record<string, unknown>[], start: string, seconds: number): string {
  const end = rows[0]?.window_end;
  return typeof end === 'string' ? end : new Date(Date.parse(start) + seconds * 1000).toISOString();
}

/**
 * The run's publisher on the live channel: counters, shard ages and buffer fill, read when it publishes.
 */
function livePublisher(
  channel: LiveChannel,
  run: () => RunCounters,
  mappings: Record<string, () => KinesisEventSourceMapping | undefined>,
  firehose: () => EmulatedFirehose | undefined,
): LivePublisher {
  return createLivePublisher({
    channel,
    read: () => ({
      run: run(),
      shards: Object.entries(mappings).flatMap(([stage, mapping]) => {
        const running = mapping();
        return running ? [shardAges(stage, running.status())] : [];
      }),
      buffers: firehose()?.bufferFill(),
    }),
  });
}

/** Format-conversion error records shown per object: the console keeps the last 50 in all. */
const CONVERSION_SAMPLES_PER_OBJECT = 5;

/** The first records of each error object the converter wrote, to the live feed; a failed read is skipped. */
async function sampleConversionErrors(
  publisher: LivePublisher,
  s3: S3Client,
  objects: NonNullable<Awaited<ReturnType<ObjectConverter>>['objects']>,
): Promise<void> {
  for (const object of objects) {
    if (!object.errorKey || !object.errors) continue;
    const inputs = await conversionErrorInputs(
      s3,
      LOCAL_BUCKET,
      object.errorKey,
      CONVERSION_SAMPLES_PER_OBJECT,
    ).catch(() => []);
    for (const input of inputs) publisher.error(input);
  }
}

export async function runLocalPipeline(options: LocalRunOptions): Promise<LocalRunSummary> {
  const { pipeline, workDir } = options;
  const { config } = pipeline;
  const started = Date.now();
  const state = join(workDir, 'state');
  const releaseLock = lockStateDirectory(workDir);
  const logFile = join(workDir, 'kpipe-local.log');
  const warn = options.onWarning ?? ((line: string) => console.error(line));
  const quietLogger = runLogger(logFile, warn);
  let current = 'starting';
  const phase = (name: string) => {
    current = name;
    options.onPhase?.(name);
  };
  const stops: (() => Promise<void>)[] = [async () => releaseLock()];
  options.live?.setGraph(pipelineGraph(config));
  let downed: EmulatorDown | undefined;
  const stopAll = async () => {
    phase('stopping the emulators');
    // After an emulator died a stop may wait on it: each gets a few seconds, then the run ends regardless.
    const bound = (stop: Promise<void>) =>
      downed ? Promise.race([stop, delay(STOP_AFTER_DOWN_MS, undefined, { ref: false })]) : stop;
    for (const stop of stops.reverse()) await bound(stop()).catch(() => undefined);
  };
  try {
    // A bounded run starts clean so its numbers reconcile exactly; --follow resumes where it stopped. Only
    // the folders this runtime writes are removed, whatever else the work directory holds.
    if (!options.follow) {
      for (const folder of RUN_FOLDERS) await rm(join(workDir, folder), { recursive: true, force: true });
      await rm(logFile, { force: true });
    }
    await mkdir(state, { recursive: true });
    phase('starting the emulators');
    let kinesisEmulator: KinesisEmulator | undefined;
    let s3Emulator: S3Emulator | undefined;
    if (!options.endpoints?.kinesis) {
      const name = options.kinesisEmulator ?? DEFAULT_KINESIS_EMULATOR;
      kinesisEmulator = await startKinesisEmulator(name, {
        persistDirectory: options.follow ? join(state, name) : undefined,
      });
      stops.push(() => kinesisEmulator!.stop());
    }
    if (!options.endpoints?.s3) {
      s3Emulator = await startS3rver({ directory: options.follow ? join(state, 's3') : undefined });
      stops.push(() => s3Emulator!.stop());
    }
    const kinesisEndpoint = options.endpoints?.kinesis ?? kinesisEmulator!.endpoint;
    const s3Endpoint = options.endpoints?.s3 ?? s3Emulator!.endpoint;
    // The console sends and mirrors through the run's own emulators (lib/console/server reads this message).
    options.live?.publish({ type: 'endpoints', at: Date.now(), kinesis: kinesisEndpoint, s3: s3Endpoint });
    const kinesis: KinesisClient = createKinesisClient({
      env: {},
      overrides: localOverrides(kinesisEndpoint),
    });
    const s3: S3Client = createS3Client({ env: {}, overrides: localOverrides(s3Endpoint) });
    stops.push(async () => {
      kinesis.destroy();
      s3.destroy();
    });

    // The pipeline's stream, and the streams its sinks route to, all on the emulator.
    const streams = new Map<string, number>([[config.stream.name, config.stream.shards]]);
    for (const sink of [
      ...(config.consumer?.sinks ?? []),
      ...(config.analytics ? [config.analytics.sink] : []),
    ]) {
      if (sink.type === 'kinesis' && !streams.has(sink.stream)) streams.set(sink.stream, 1);
    }
    const exists = (error: Error) => {
      if (error.name !== 'ResourceInUseException') throw error;
    };
    await Promise.all([
      ...[...streams].map(([name, shards]) => createStreamAndWait(kinesis, name, shards).catch(exists)),
      createBucket(s3, LOCAL_BUCKET).catch((error: Error) => {
        if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
      }),
    ]);
    // A bounded run on emulators of the user's own reconciles only what it wrote: the objects that were not
    // in the bucket before it, and the stream's records from LATEST (start() holds every shard's iterator
    // before anything is generated; AT_TIMESTAMP would hang kinesalite on a shard with no newer record).
    const shared = !options.follow && Boolean(options.endpoints?.kinesis || options.endpoints?.s3);
    const earlierKeys = shared ? await existingKeys(s3, LOCAL_BUCKET) : new Set<string>();
    const fromRunStart =
      !options.follow && options.endpoints?.kinesis ? { startingPosition: 'LATEST' as const } : {};
    // Every client the functions get points at an emulator: a local run never reaches AWS.
    let firehose: EmulatedFirehose | undefined;
    const clients = {
      s3: () => s3,
      kinesis: () => kinesis,
      firehose: () => emulatedFirehoseClient(() => firehose),
    };
    const times: StageTimes = { startMs: Date.now() - started, generateMs: 0, drainMs: 0, mirrorMs: 0 };

    // What the live feed reads; declared before the publisher, which a watcher may call on at any moment.
    const totals: ConsumerTotals = { batches: 0, delivered: 0, dropped: {}, failed: {}, sinkErrors: 0 };
    const converted = { objects: 0, rows: 0, errors: 0, failedObjects: 0 };
    const conversionErrors: Record<string, number> = {};
    const windowTotals = { closed: 0, rowsWritten: 0, rowsFailed: 0, dropped: {}, failed: {} };
    let consumerMapping: KinesisEventSourceMapping | undefined;
    let firehoseMapping: KinesisEventSourceMapping | undefined;
    let windowMapping: KinesisEventSourceMapping | undefined;
    let lastGenerated: GenerateProgress | undefined;
    const publisher =
      options.live &&
      livePublisher(
        options.live,
        () => ({
          generated: lastGenerated,
          directPut: config.delivery?.source === 'direct-put',
          consumer: consumerMapping && {
            mapping: consumerMapping.counters,
            ...totals,
            sinks: config.consumer?.sinks.length ?? 0,
          },
          firehose: firehose?.stats(),
          converted:
            options.converter && config.conversion
              ? { ...converted, errorsByCode: conversionErrors }
              : undefined,
          windows: windowMapping && { mapping: windowMapping.counters, ...windowTotals },
        }),
        {
          [STAGE.consumer]: () => consumerMapping,
          [STAGE.firehose]: () => firehoseMapping,
          [STAGE.windows]: () => windowMapping,
        },
        () => firehose,
      );

    // streamConsumer behind the emulated event source mapping.
    if (config.consumer) {
      const consume = createStreamConsumer(pipeline, {
        bucket: LOCAL_BUCKET,
        clients,
        env: options.env,
        onErrorRecords:
          publisher &&
          ((records) => {
            for (const error of records) publisher.error({ stage: STAGE.consumer, ...error });
          }),
      });
      const record = (summary: BatchSummary) => {
        totals.batches += 1;
        totals.delivered += summary.delivered;
        totals.sinkErrors += summary.sinkErrors.length;
        addCounts(totals.dropped, summary.dropped);
        addCounts(totals.failed, summary.failed);
      };
      consumerMapping = new KinesisEventSourceMapping({
        ...config.consumer,
        ...fromRunStart,
        client: kinesis,
        streamName: config.stream.name,
        functionName: 'streamConsumer',
        logger: quietLogger,
        checkpointFile: join(state, 'consumer-checkpoints.json'),
        deadLetterFile: join(workDir, 'dead-letters', 'streamConsumer.jsonl'),
        deadLetterData: true,
        handler: async (event: KinesisStreamEvent) => {
          const { batchItemFailures, summary } = await consume(event.Records);
          record(summary);
          return { batchItemFailures };
        },
      });
    }

    // The delivery stream: reads the stream like Firehose, invokes the transformer, writes raw objects.
    const conversions = serialQueue();
    if (config.delivery) {
      const delivery = config.delivery;
      const processorName = delivery.processor.function;
      const processor =
        processorName === 'none'
          ? undefined
          : createFirehoseProcessor(pipeline, {
              mode: processorName === 'partitionKeys' ? 'keys' : 'transform',
              env: options.env,
              clients,
            });
      const conversion = config.conversion;
      const converter = options.converter?.(s3);
      // The source position moves only once records are in S3 (lib/local/firehose-source.ts); the mapping's
      // own file holds read positions and restarts from the durable ones.
      const sourceCheckpoints =
        delivery.source === 'kinesis'
          ? await openSourceCheckpoints({
              file: join(state, 'firehose-checkpoints.json'),
              readFile: join(state, 'firehose-read-positions.json'),
              functionName: 'firehoseSource',
              streamArn: () => firehoseMapping?.streamArn,
              onWriteError: (error) =>
                quietLogger.error('firehose source checkpoint write failed', { error: error.message }),
            })
          : undefined;
      firehose = createEmulatedFirehose({
        sourceCheckpoints,
        delivery,
        partitioning: config.partitioning,
        s3,
        bucket: LOCAL_BUCKET,
        sourceStreamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${config.stream.name}`,
        transformer:
          processor && (async (event) => (await processor(event)).response as FirehoseTransformationResult),
        onErrorRecord: publisher && ((record) => publisher.error(firehoseErrorInput(record))),
        onObjectCreated: (object) => {
          if (!converter || !conversion || object.kind !== 'delivery') return;
          if (!object.key.startsWith(conversion.inputPrefix)) return;
          const event = s3ObjectCreatedEvent([{ bucket: object.bucket, key: object.key, size: object.size }]);
          conversions.push(async () => {
            for (let attempt = 1; attempt <= ASYNC_INVOKE_ATTEMPTS; attempt += 1) {
              try {
                const result = await converter(event);
                converted.objects += 1;
                converted.rows += result.rows;
                converted.errors += result.errors;
                for (const summary of result.objects ?? []) addCounts(conversionErrors, summary.errorsByCode);
                if (publisher) await sampleConversionErrors(publisher, s3, result.objects ?? []);
                return;
              } catch (error) {
                if (attempt === ASYNC_INVOKE_ATTEMPTS) {
                  // Given up, as Lambda would after its async retries; the reconciliation shows the gap.
                  converted.failedObjects += 1;
                  const message = `parquetConverter gave up on s3://${object.bucket}/${object.key}`;
                  quietLogger.warn(message, { error: (error as Error).message });
                  publisher?.error({
                    stage: STAGE.converter,
                    reason: 'object: gave up after retries',
                    message: `${message}: ${(error as Error).message}`,
                    rawData: new Uint8Array(0),
                  });
                }
              }
            }
          });
        },
      });
      const emulated = firehose;
      // With an emulator dead, what is buffered stays before the source position for the next run.
      stops.push(() => emulated.stop({ flush: !downed }));
      // The console's Generator sends to it in-process; withdrawn before it stops (stops run in reverse).
      const withdraw = options.live?.addDeliveryStream({
        name: emulated.name,
        ...(delivery.source === 'kinesis' && { sourceStream: config.stream.name }),
        put: (records) => emulated.put(records),
      });
      if (withdraw) stops.push(async () => void withdraw());
      if (delivery.source === 'kinesis') {
        firehoseMapping = new KinesisEventSourceMapping({
          client: kinesis,
          streamName: config.stream.name,
          functionName: 'firehoseSource',
          logger: quietLogger,
          batchSize: 1000,
          startingPosition: 'TRIM_HORIZON',
          ...fromRunStart,
          checkpointFile: join(state, 'firehose-read-positions.json'),
          deadLetterFile: join(workDir, 'dead-letters', 'firehoseSource.jsonl'),
          handler: (event: KinesisStreamEvent) => {
            emulated.putKinesisRecords(toSourceRecords(event));
          },
        });
      }
    }

    // windowAggregator on tumbling windows.
    if (config.analytics) {
      const analytics = config.analytics;
      const results = createResultSink(analytics.sink, {
        clients: lazyClients(clients),
        bucket: LOCAL_BUCKET,
      });
      const aggregate = createWindowAggregator(pipeline, {
        bucket: LOCAL_BUCKET,
        clients,
        env: options.env,
        // Tapped where the results are delivered: counted, and published to the console as windows close.
        sink: {
          name: results.name,
          async write(rows, emission) {
            try {
              const written = await results.write(rows, emission);
              windowTotals.rowsWritten += rows.length;
              publisher?.windowClosed({
                shardId: emission.shardId,
                windowStart: emission.windowStart,
                windowEnd: windowEnd(rows, emission.windowStart, analytics.tumblingWindowInSeconds),
                part: emission.part,
                rows,
              });
              return written;
            } catch (error) {
              windowTotals.rowsFailed += rows.length;
              throw error;
            }
          },
        },
      });
      windowMapping = new KinesisEventSourceMapping({
        client: kinesis,
        streamName: config.stream.name,
        functionName: 'windowAggregator',
        logger: quietLogger,
        batchSize: analytics.batchSize,
        startingPosition: analytics.startingPosition,
        ...fromRunStart,
        tumblingWindowSeconds: analytics.tumblingWindowInSeconds,
        checkpointFile: join(state, 'window-checkpoints.json'),
        deadLetterFile: join(workDir, 'dead-letters', 'windowAggregator.jsonl'),
        handler: async (event: KinesisWindowEvent) => {
          const { state, summary } = await aggregate(event);
          if (summary.final) {
            windowTotals.closed += 1;
            addCounts(windowTotals.dropped, summary.stats.dropped);
            addCounts(windowTotals.failed, summary.stats.failed);
          }
          return { state };
        },
      });
    }

    const mappings = [consumerMapping, firehoseMapping, windowMapping].filter(
      (mapping): mapping is KinesisEventSourceMapping => mapping !== undefined,
    );
    for (const mapping of mappings)
      stops.push(async () => {
        await mapping.stop();
      });
    if (publisher) {
      for (const [stage, mapping] of [
        [STAGE.consumer, consumerMapping],
        [STAGE.firehose, firehoseMapping],
        [STAGE.windows, windowMapping],
      ] as const) {
        mapping?.on('batch', (batch) => {
          if (batch.reason === undefined) return;
          publisher.error({
            stage,
            reason: `invocation: ${batch.reason}`,
            message: `${batch.shardId} ${batch.firstSequenceNumber}…${batch.lastSequenceNumber} (attempt ${batch.attempt}): ${batch.message ?? batch.reason}`,
            rawData: new Uint8Array(0),
          });
        });
      }
      const ticker = setInterval(() => publisher.tick(), LIVE_INTERVAL_MS);
      stops.push(async () => clearInterval(ticker));
    }
    // A dead or hung emulator ends the run within seconds, naming it (lib/local/emulator-watch.ts): every
    // step below races it, and generation stops.
    // With --follow its own emulators are restarted on their data, on the same port (3 times at most).
    const calls = {
      kinesis: { endpoint: kinesisEndpoint, answeredAt: answerClock(kinesis) },
      s3: { endpoint: s3Endpoint, answeredAt: answerClock(s3) },
    };
    let restarts = 0;
    const generation = new AbortController();
    options.signal?.addEventListener('abort', () => generation.abort(), { once: true });
    const supervision = superviseEmulators({
      emulators: () => watched(options, kinesisEmulator, s3Emulator, calls),
      restart: async (down) => {
        const own = down.name === 's3rver' ? s3Emulator : kinesisEmulator;
        if (!options.follow || !own || restarts >= MAX_RESTARTS || generation.signal.aborted) return false;
        restarts += 1;
        const port = Number(new URL(down.endpoint).port);
        warn(
          `kpipe: ${down.name} (${down.endpoint}) ${down.cause}: restarting it on its data (restart ${restarts} of ${MAX_RESTARTS}); the run goes on`,
        );
        await own.stop();
        if (down.name === 's3rver') s3Emulator = await startS3rver({ directory: join(state, 's3'), port });
        else
          kinesisEmulator = await startKinesisEmulator(kinesisEmulator!.name, {
            persistDirectory: join(state, kinesisEmulator!.name),
            port,
          });
        return true;
      },
      fail: (down) => {
        downed = down;
        warn(down.line);
        generation.abort();
        return new EmulatorDownError(down, inFlight());
      },
    });
    stops.push(async () => supervision.stop());
    const died = supervision.down;
    const guard = <T>(work: Promise<T>): Promise<T> => Promise.race([work, died]);
    const inFlight = (): string[] => {
      const fh = firehose?.stats();
      return [
        `generated   ${lastGenerated?.acknowledged ?? 0} records acknowledged, ${lastGenerated?.inFlight ?? 0} in flight`,
        ...(consumerMapping
          ? [
              `consumer    ${consumerMapping.counters.records} records read, ${totals.delivered} delivered, ${consumerMapping.counters.bufferedRecords} read and not yet processed`,
            ]
          : []),
        ...(fh
          ? [
              `firehose    ${fh.recordsIn} in, ${fh.delivered} delivered, ${fh.errorOutput} to the error prefix, ${fh.pending} not yet in S3 (its source position stays before them)`,
            ]
          : []),
        `parquet     ${converted.objects} objects converted, ${converted.rows} rows`,
        options.follow
          ? `state       ${state}: kpipe local --follow resumes from the checkpoints`
          : 'state       a bounded run starts over: run it again once the emulator is back',
      ];
    };
    for (const mapping of mappings) await guard(mapping.start());

    // The producers: into the stream (a worker thread by default), or into a direct-put delivery stream.
    const expected = new ExpectedRecords();
    const directPut = config.delivery?.source === 'direct-put' ? firehose : undefined;
    const job: ProducerJob = {
      template: options.template ?? defaultTemplate(pipeline),
      seed: options.seed,
      count: options.follow ? undefined : options.count,
      ratePerSecond: options.ratePerSecond,
      concurrency: options.producers,
      invalid:
        options.invalidRatio > 0
          ? {
              ratio: options.invalidRatio,
              schema: pipeline.recordSchema as Record<string, unknown>,
              kinds: options.invalidKinds ?? DEFAULT_INVALID_KINDS,
              oversizeBytes: config.record.maxBytes + 1024,
            }
          : undefined,
      stream: {
        name: config.stream.name,
        endpoint: kinesisEndpoint,
        emulator: kinesisEmulator?.name ?? 'external',
      },
    };
    const progress = () =>
      options.onProgress?.({
        generated: lastGenerated,
        consumer: consumerMapping?.counters,
        firehose: firehose?.stats(),
        converted: { ...converted },
      });
    const ticker = setInterval(progress, 500);
    stops.push(async () => clearInterval(ticker));

    phase('generating records');
    const generateStart = Date.now();
    const generating = runProducers({
      job,
      directPut,
      thread: options.producerThread ?? options.env.KPIPE_PRODUCER_THREAD !== '0',
      expected,
      signal: generation.signal,
      onProgress: (update) => {
        lastGenerated = update;
      },
    });
    const generated = await guard(generating);
    times.generateMs = Date.now() - generateStart;

    // Drain: every mapping caught up, Firehose buffers flushed, conversions done.
    const drainStart = Date.now();
    phase('draining the event source mappings (every record read and processed)');
    await guard(Promise.all(mappings.map((mapping) => mapping.drain())));
    phase('flushing the Firehose buffers');
    await guard(firehose?.flush() ?? Promise.resolve());
    phase('converting the delivered objects to Parquet');
    await guard(conversions.idle());
    times.drainMs = Date.now() - drainStart;
    progress();
    publisher?.publish(true);

    phase('mirroring the bucket to disk');
    const mirrorStart = Date.now();
    const lakeDirectory = join(workDir, 'bucket');
    const outputs = await guard(mirrorBucket(s3, LOCAL_BUCKET, lakeDirectory));
    times.mirrorMs = Date.now() - mirrorStart;

    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, n) => total + n, 0);
    phase('reconciling');
    // Resumed state (--follow) holds records of earlier runs, read again from their checkpoints.
    const reconciliation = options.follow
      ? {
          ok: true,
          skipped: 'the outputs include earlier runs (--follow): not reconciled',
          checks: [],
          errors: {},
          lakeRows: undefined,
          lakeGlob: undefined,
        }
      : await reconcile({
          pipeline,
          expected,
          outputs: outputs.filter((object) => !earlierKeys.has(object.key)),
          lakeDirectory,
          generated,
          dropped: { consumer: sum(totals.dropped), firehose: firehose?.stats().dropped ?? 0 },
        });
    const firehoseStats = firehose?.stats();
    const interrupted =
      !options.follow && options.signal?.aborted === true && generated.attempted < options.count;
    const problems = runProblems({
      requested: options.follow ? undefined : options.count,
      acknowledged: generated.acknowledged,
      interrupted,
      generationStopped: generated.aborted,
      consumer: consumerMapping && {
        received: consumerMapping.counters.records,
        delivered: totals.delivered,
        errors: sum(totals.failed),
      },
      // A direct-put delivery stream is fed by producers of its own, not by the generator's stream.
      firehose:
        firehoseStats && config.delivery?.source === 'kinesis'
          ? {
              received: firehoseStats.recordsIn,
              delivered: firehoseStats.delivered,
              errors: firehoseStats.errorOutput,
            }
          : undefined,
      windows: windowMapping && { received: windowMapping.counters.records },
      conversion: { objects: converted.objects, expected: Boolean(options.converter && config.conversion) },
    });
    const undelivered = undeliveredByPath({
      generator: { failed: generated.failed, errors: generated.errors },
      consumer: consumerMapping && {
        deadLettered: consumerMapping.counters.deadLetterRecords,
        deadLetterFile: join(workDir, 'dead-letters', 'streamConsumer.jsonl'),
      },
      firehose: firehoseStats && {
        deliveryFailed: firehoseStats.deliveryFailed,
        pending: firehoseStats.pending,
        discardedOnStop: firehoseStats.discardedOnStop,
        deadLettered: firehoseMapping?.counters.deadLetterRecords ?? 0,
      },
      windows: windowMapping && {
        deadLettered: windowMapping.counters.deadLetterRecords,
        rowsFailed: windowTotals.rowsFailed,
        deadLetterFile: join(workDir, 'dead-letters', 'windowAggregator.jsonl'),
      },
    });
    return {
      emulator: kinesisEmulator?.name ?? 'external',
      target: directPut ? 'the delivery stream' : 'the stream',
      interrupted,
      problems,
      undelivered,
      bucket: LOCAL_BUCKET,
      lakeDirectory,
      generated,
      consumer: { ...totals, mapping: consumerMapping?.counters },
      firehose: firehose?.stats(),
      converted,
      windows: windowMapping?.counters,
      reconciliation,
      times,
    };
  } catch (error) {
    // A dead emulator has its own report (what was in flight) and exit status.
    if (error instanceof EmulatorDownError) throw error;
    throw new LocalRunError(current, error);
  } finally {
    await stopAll();
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
