/**
 * The Generator tab's sending job: one at a time, lib/generator's generate() into a stream or delivery
 * stream, its counters published on the live channel as `generator` messages.
 */
import { createFirehoseClient, createKinesisClient } from '../../aws/clients';
import { localOverrides } from '../../local/emulators';
import type { LiveMessage } from '../../local/live-types';
import { compileTemplate } from '../../generator/template';
import { generate, type GenerateProgress, type GenerateReport } from '../../generator/generate';
import { createFirehoseSink, createKinesisSink, type RecordSink } from '../../generator/sinks';
import { putRecordBatchReliably } from '../../sinks/firehose';
import { putRecordsReliably } from '../../sinks/kinesis';

export interface SendRequest {
  template: string;
  target: { kind: 'stream' | 'delivery-stream'; name: string };
  ratePerSecond?: number;
  count?: number;
  durationSeconds?: number;
  seed?: number;
}

/** Where the run's emulators listen (undefined: the SDK's own chain, AWS_ENDPOINT_URL_* or AWS). */
export interface SendEndpoints {
  kinesis?: string;
  firehose?: string;
}

export type SinkFactory = (target: SendRequest['target'], endpoints: SendEndpoints) => RecordSink;

/** Senders through the run's endpoints, or the SDK chain when the run has none for that service. */
export const awsSinkFactory: SinkFactory = (target, endpoints) => {
  if (target.kind === 'stream') {
    const client = createKinesisClient(
      endpoints.kinesis ? { env: {}, overrides: localOverrides(endpoints.kinesis) } : {},
    );
    return createKinesisSink((entries) => putRecordsReliably(client, { streamName: target.name }, entries), {
      close: async () => client.destroy(),
    });
  }
  const client = createFirehoseClient(
    endpoints.firehose ? { env: {}, overrides: localOverrides(endpoints.firehose) } : {},
  );
  return createFirehoseSink((records) => putRecordBatchReliably(client, target.name, records), {
    close: async () => client.destroy(),
  });
};

export function generatorMessage(
  state: 'running' | 'done' | 'stopped' | 'failed',
  progress: GenerateProgress | undefined,
  report?: GenerateReport,
  error?: string,
): LiveMessage {
  const elapsed = (report?.durationMs ?? progress?.elapsedMs ?? 0) / 1000;
  const acknowledged = report?.acknowledged ?? progress?.acknowledged ?? 0;
  return {
    type: 'generator',
    at: Date.now(),
    state,
    sent: report?.attempted ?? progress?.attempted ?? 0,
    acknowledged,
    failed: report?.failed ?? progress?.failed ?? 0,
    ratePerSecond: report?.ratePerSecond ?? (elapsed > 0 ? acknowledged / elapsed : 0),
    reasons: { ...(report?.errors ?? {}), ...(report?.aborted ? { aborted: 1 } : {}) },
    ...(error || report?.aborted ? { error: error ?? report?.aborted } : {}),
  };
}

export function createSender(options: {
  publish: (message: LiveMessage) => void;
  endpoints: () => SendEndpoints;
  sinks?: SinkFactory;
}) {
  let running: { controller: AbortController; done: Promise<void> } | undefined;
  return {
    running: () => running !== undefined,
    /** Starts a job; throws (TemplateError, or a message) when it cannot start. */
    start(request: SendRequest): void {
      if (running) throw new Error('a send is already running: stop it first');
      if (!request.target.name) throw new Error('name the stream or delivery stream to send to');
      if (request.count === undefined && request.durationSeconds === undefined) {
        throw new Error('give a record count or a duration, so the send ends by itself');
      }
      const template = compileTemplate(request.template, { seed: request.seed });
      const sink = (options.sinks ?? awsSinkFactory)(request.target, options.endpoints());
      const controller = new AbortController();
      let last: GenerateProgress | undefined;
      const done = generate({
        template,
        sink,
        count: request.count,
        durationSeconds: request.durationSeconds,
        ratePerSecond: request.ratePerSecond,
        seed: request.seed,
        flushIntervalMs: 200,
        signal: controller.signal,
        onProgress: (progress) => {
          last = progress;
          options.publish(generatorMessage('running', progress));
        },
      })
        .then((report) =>
          options.publish(generatorMessage(controller.signal.aborted ? 'stopped' : 'done', last, report)),
        )
        .catch((error: Error) => options.publish(generatorMessage('failed', last, undefined, error.message)))
        .finally(() => {
          running = undefined;
        });
      running = { controller, done };
      options.publish(generatorMessage('running', undefined));
    },
    async stop(): Promise<void> {
      const job = running;
      job?.controller.abort();
      await job?.done;
    },
  };
}

export type Sender = ReturnType<typeof createSender>;
