/**
 * Where a local run's records come from and go: the template that fits the pipeline, and the generator
 * sinks (into the stream, or straight into a direct-put delivery stream), remembering what was acknowledged.
 */
import { resolve } from 'node:path';
import { TEMPLATES_DIR, type GeneratedRecord, type RecordSink, type SinkResult } from '../generator';
import { loadCatalog } from '../generator/catalog';
import type { LoadedPipeline } from '../pipeline/load';
import type { EmulatedFirehose } from './firehose';
import type { ExpectedRecords } from './reconcile';

/** A generator sink that remembers what it sent (for reconciliation) and hands it to the stream. */
export function recordingSink(inner: RecordSink, expected: ExpectedRecords): RecordSink {
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
