/**
 * The producer worker thread of `kpipe local`: generates the job's records and sends them to the stream
 * (run-producers.ts' produce), off the event loop of the consumer, the emulated Firehose and the
 * converter. Started by produceInThread through run-producers-thread.cjs; the messages are in
 * producer-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseProducerJob, parseToProducers, type FromProducers } from './producer-protocol';
import { produce } from './run-producers';

function main(port: NonNullable<typeof parentPort>): void {
  const post = (message: FromProducers) => port.postMessage(message);
  const fail = (error: unknown) => {
    const { name, message, stack } =
      error instanceof Error ? error : { name: 'Error', message: String(error), stack: undefined };
    post({ type: 'failed', name, message, ...(stack === undefined ? {} : { stack }) });
  };
  const controller = new AbortController();
  port.on('message', (raw: unknown) => {
    try {
      parseToProducers(raw);
      controller.abort();
    } catch (error) {
      fail(error);
      controller.abort();
    }
  });
  let job;
  try {
    job = parseProducerJob(workerData);
  } catch (error) {
    fail(error);
    return;
  }
  produce(job, undefined, {
    signal: controller.signal,
    onProgress: (progress) => post({ type: 'progress', progress }),
  }).then(
    ({ report, expected }) => {
      post({ type: 'done', report, expected });
      port.close();
    },
    (error: unknown) => {
      fail(error);
      port.close();
    },
  );
}

if (!parentPort) {
  throw new Error(
    'run-producers-thread.ts runs as a worker thread only (started by produceInThread in run-producers.ts)',
  );
}
main(parentPort);
