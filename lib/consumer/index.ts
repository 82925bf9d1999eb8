/** The stream consumer assembled from pipeline.yml: what functions/stream-consumer.ts runs per batch. */
import type { KinesisStreamRecord } from 'aws-lambda';
import { lazyClients } from '../aws/clients';
import type { RecordPipeline } from '../processing/config';
import { recordProcessorFor } from '../processing/record-processor';
import { createErrorSink, type ErrorRecord, type ErrorSink } from '../sinks/error-sink';
import type { DeliveryOptions } from '../sinks/retry';
import type { ConsumerConfig } from './config';
import { createSinks, type SinkClients } from './delivery';
import { processBatch, type BatchResult } from './process-batch';

export { processBatch, shardIdOf, type BatchResult, type BatchSummary } from './process-batch';
export { createSinks, type Sink, type SinkResult, type DeliveryItem } from './delivery';

export interface StreamConsumerOptions {
  /** Bucket of the S3 sinks and the error output (BUCKET_NAME in Lambda). */
  bucket: string | undefined;
  clients?: Partial<SinkClients>;
  env?: NodeJS.ProcessEnv;
  retry?: DeliveryOptions;
  /** Called with each batch's error records once written (kpipe local's console shows the last ones). */
  onErrorRecords?: (records: readonly ErrorRecord[]) => void;
}

/** The error sink, telling `listener` what it wrote. */
function tappedErrorSink(sink: ErrorSink, listener: (records: readonly ErrorRecord[]) => void): ErrorSink {
  return {
    keyFor: (batch) => sink.keyFor(batch),
    async write(records, batch) {
      const written = await sink.write(records, batch);
      if (written) listener(records);
      return written;
    },
  };
}

/** The slices of a loaded pipeline.yml the consumer reads. */
export type ConsumerPipeline = RecordPipeline & { config: { consumer?: ConsumerConfig } };

export type StreamConsumer = (records: KinesisStreamRecord[]) => Promise<BatchResult>;

/** Compiles everything once; the returned function handles one batch. */
export function createStreamConsumer(
  pipeline: ConsumerPipeline,
  options: StreamConsumerOptions,
): StreamConsumer {
  const consumer = pipeline.config.consumer;
  if (!consumer) throw new Error(`${pipeline.file}: the stream consumer needs a \`consumer\` block`);
  if (!options.bucket)
    throw new Error('stream consumer: BUCKET_NAME is not set (the error output needs a bucket)');
  const clients = lazyClients(options.clients);
  const processor = recordProcessorFor(pipeline, options.env);
  const sinks = createSinks(consumer.sinks, { clients, bucket: options.bucket, retry: options.retry });
  const writer = createErrorSink({
    client: clients.s3(),
    bucket: options.bucket,
    prefix: consumer.errorPrefix,
  });
  const errorSink = options.onErrorRecords ? tappedErrorSink(writer, options.onErrorRecords) : writer;
  return (records) => processBatch(records, { processor, sinks, errorSink });
}
