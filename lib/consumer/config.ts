/** pipeline.yml `consumer:` (schemas/pipeline.schema.json); the loader fills in the defaults. */
import type { SinkConfig } from '../sinks/config';

export interface ConsumerConfig {
  batchSize: number;
  batchWindowSeconds: number;
  startingPosition: 'LATEST' | 'TRIM_HORIZON';
  parallelizationFactor: number;
  maximumRetryAttempts: number;
  maximumRecordAgeSeconds: number;
  bisectBatchOnFunctionError: boolean;
  sinks: SinkConfig[];
  errorPrefix: string;
}
