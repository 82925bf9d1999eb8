/**
 * Where a local run's records come from and go: the template that fits the pipeline, and the generator
 * sinks (into the stream, or straight into a direct-put delivery stream), remembering what was acknowledged.
 * The producers into the stream run in a worker thread by default (run-producers-thread.ts), so generating
 * and sending do not compete with the consumer, the emulated Firehose and the converter for one event loop.
 */
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createKinesisClient, HTTP_TIMEOUTS } from '../aws/clients';
import {
  TEMPLATES_DIR,
  compileTemplate,
  createCloudWatchLogsProducer,
  createKinesisSink,
  generate,
  loadTemplateSpec,
  type GeneratedRecord,
  type GenerateProgress,
  type GenerateReport,
  type RecordSink,
  type SinkResult,
} from '../generator';
import { loadCatalog } from '../generator/catalog';
import type { LoadedPipeline } from '../pipeline/load';
import { putRecordsReliably } from '../sinks/kinesis';
import { putTimeoutFor } from '../sinks/put-timeouts';
import { localOverrides } from './emulators';
import type { EmulatedFirehose } from './firehose';
import { parseFromProducers, type ExpectedSnapshot, type ProducerJob } from './producer-protocol';
import type { ExpectedRecords } from './reconcile';

export type { ProducerJob } from './producer-protocol';

/** A generator sink that remembers what it sent (for reconciliation) and hands it to the stream. */
export function recordingSink(inner: RecordSink, expected: Pick<ExpectedRecords, 'add'>): RecordSink {
  return {
    async send(batch) {
      const result = await inner.send(batch);
      const failed = new Set(result.failed.map((failure) => failure.index));
      batch.forEach((record: GeneratedRecord, index) => {
        if (!failed.has(index)) expected.add(record);
      });
      return result;
    },
    close: () => inner.close(),
  };
}

/**
 * The template a pipeline's records come from when none is named: CloudWatch Logs payloads for a
 * delivery stream that reads them, else the shipped template written for the pipeline's record schema,
 * else clickstream.
 */
export function defaultTemplate(pipeline: LoadedPipeline): string {
  const { config } = pipeline;
  if (config.delivery?.input === 'cloudwatch-logs') return 'cloudwatch-logs';
  const schema = resolve(pipeline.baseDir, config.record.schema);
  const catalog = loadCatalog();
  const match = Object.entries(catalog).find(
    ([, entry]) =>
      entry.kind === 'template' && entry.schema && resolve(TEMPLATES_DIR, entry.schema) === schema,
  );
  return match?.[0] ?? 'clickstream';
}

/** A generator sink into the emulated delivery stream, as PutRecordBatch calls of at most 500 records. */
export function directPutSink(firehose: EmulatedFirehose): RecordSink {
  return {
    async send(batch) {
      const failed: SinkResult['failed'] = [];
      for (let start = 0; start < batch.length; start += 500) {
        const chunk = batch.slice(start, start + 500);
        try {
          firehose.put(chunk.map((record) => record.data));
        } catch (error) {
          chunk.forEach((_record, offset) =>
            failed.push({
              index: start + offset,
              errorCode: (error as Error).name,
              errorMessage: (error as Error).message,
            }),
          );
        }
      }
      return { acknowledged: batch.length - failed.length, failed };
    },
    close: async () => undefined,
  };
}

/** The template a job names, compiled; a producer of CloudWatch Logs payloads for that template kind. */
function templateOf(job: ProducerJob) {
  const spec = loadTemplateSpec(job.template);
  const compiled = compileTemplate(spec.text, { seed: job.seed, newlines: spec.newlines, source: spec.path });
  const cloudwatch = spec.kind === 'cloudwatch-logs';
  return {
    cloudwatch,
    template: cloudwatch
      ? createCloudWatchLogsProducer({ message: compiled, ...spec.cloudwatch, seed: job.seed })
      : compiled,
  };
}

/** PutRecords into the job's stream from a client of its own, with deadlines fitted to the emulator. */
function streamSink(stream: NonNullable<ProducerJob['stream']>): RecordSink {
  // The deadline per request (PUT_TIMEOUTS) decides; the handler's 60 s idle timeout would cut it short.
  const client = createKinesisClient({
    env: {},
    overrides: {
      ...localOverrides(stream.endpoint),
      requestHandler: new NodeHttpHandler({ connectionTimeout: HTTP_TIMEOUTS.connectionTimeout }),
    },
  });
  const timeout = putTimeoutFor(stream.emulator);
  return createKinesisSink(
    (entries) => putRecordsReliably(client, { streamName: stream.name }, entries, { timeout }),
    { close: async () => client.destroy() },
  );
}

export interface ProducerHooks {
  signal?: AbortSignal;
  onProgress?: (progress: GenerateProgress) => void;
}

export interface ProducerResult {
  report: GenerateReport;
  expected: ExpectedSnapshot;
}

/**
 * Generates the job's records into `sink`, or into the job's stream when no sink is given: on whichever
 * thread calls it (the worker's entry calls it too).
 */
export async function produce(
  job: ProducerJob,
  sink: RecordSink | undefined,
  hooks: ProducerHooks = {},
): Promise<ProducerResult> {
  const { template, cloudwatch } = templateOf(job);
  const expected = { total: 0, byKind: {} as ExpectedSnapshot['byKind'] };
  const inner = sink ?? (job.stream ? streamSink(job.stream) : undefined);
  if (!inner) throw new Error('produce: the job names no stream and no sink was given');
  const report = await generate({
    template,
    sink: recordingSink(inner, {
      add: (record) => {
        expected.total += 1;
        expected.byKind[record.kind] = (expected.byKind[record.kind] ?? 0) + 1;
      },
    }),
    count: job.count,
    ratePerSecond: job.ratePerSecond,
    concurrency: job.concurrency,
    seed: job.seed,
    // CloudWatch Logs payloads are built by the producer; bad ones are not among its kinds.
    invalid: cloudwatch ? undefined : job.invalid,
    signal: hooks.signal,
    onProgress: hooks.onProgress,
  });
  return { report, expected };
}

/** Copies what the producers recorded into the run's reconciliation counts. */
function record(expected: ExpectedRecords, snapshot: ExpectedSnapshot): void {
  expected.total += snapshot.total;
  for (const [kind, count] of Object.entries(snapshot.byKind)) {
    const key = kind as keyof ExpectedRecords['byKind'];
    expected.byKind[key] = (expected.byKind[key] ?? 0) + (count ?? 0);
  }
}

/** The worker's entry: a loader that registers tsx in the thread, which does not inherit the parent's hooks. */
export const PRODUCER_THREAD_ENTRY = join(__dirname, 'run-producers-thread.cjs');

/**
 * Runs the job in a worker thread: progress as it comes, the report and the recorded counts at the end. The
 * signal stops generation (the thread finishes what is in flight, then reports); a thread that fails, exits
 * early or sends something that is not in the protocol rejects with what happened.
 */
export async function produceInThread(
  job: ProducerJob,
  hooks: ProducerHooks = {},
  entry = PRODUCER_THREAD_ENTRY,
): Promise<ProducerResult> {
  // Fail fast here, with the template's own error, before a thread starts.
  templateOf(job);
  const worker = new Worker(entry, {
    workerData: job,
    // The SDK's Node-version notice was printed by this thread already; one per run is enough.
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const stop = () => worker.postMessage({ type: 'stop' });
  if (hooks.signal?.aborted) stop();
  hooks.signal?.addEventListener('abort', stop, { once: true });
  return new Promise<ProducerResult>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', stop);
      outcome();
      void worker.terminate();
    };
    worker.on('message', (raw: unknown) => {
      try {
        const message = parseFromProducers(raw);
        if (message.type === 'progress') hooks.onProgress?.(message.progress);
        else if (message.type === 'done') {
          settle(() => resolve({ report: message.report, expected: message.expected }));
        } else {
          const error = Object.assign(new Error(message.message), { name: message.name });
          if (message.stack) error.stack = message.stack;
          settle(() => reject(error));
        }
      } catch (error) {
        settle(() => reject(error));
      }
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) =>
      settle(() =>
        reject(
          new Error(`the producer thread exited (code ${code}) before it reported; see the error above`),
        ),
      ),
    );
  });
}

export interface RunProducersOptions extends ProducerHooks {
  job: ProducerJob;
  /** Send into this direct-put delivery stream instead of the job's stream (always on this thread). */
  directPut?: EmulatedFirehose;
  /** Run the stream producers in a worker thread (default true). */
  thread?: boolean;
  /** Where the acknowledged records are counted for reconciliation. */
  expected: ExpectedRecords;
}

/** A local run's producers: in a worker thread into the stream, or here (direct put, or thread: false). */
export async function runProducers(options: RunProducersOptions): Promise<GenerateReport> {
  const { job, directPut } = options;
  const result =
    directPut === undefined && options.thread !== false
      ? await produceInThread(job, options)
      : await produce(job, directPut && directPutSink(directPut), options);
  record(options.expected, result.expected);
  return result.report;
}
