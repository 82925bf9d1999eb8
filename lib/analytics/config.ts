/**
 * pipeline.yml `analytics:` (schemas/pipeline/analytics.schema.json). The loader fills in the defaults; these
 * types mirror the schema.
 */
import type { RecordPipeline } from '../processing/config';
import type { SinkConfig } from '../sinks/config';
import type { DistinctOptions } from './aggregates';

/**
 * Which records the query sees: `transformed` (default) the stream consumer's view, after schema validation
 * and the pipeline's transforms; `validated` before transforms; `raw` every JSON object as decoded.
 */
export type AnalyticsRecords = 'transformed' | 'validated' | 'raw';

export interface AnalyticsConfig {
  sql: string;
  /** Lambda's TumblingWindowInSeconds (1-900). */
  tumblingWindowInSeconds: number;
  /** Where each window's rows go: Kinesis, Firehose or S3 (JSON lines). */
  sink: SinkConfig;
  records: AnalyticsRecords;
  distinct: DistinctOptions;
  /** Serialized state above this emits the window's rows early and starts a new part. */
  maxStateBytes: number;
  batchSize: number;
  batchWindowSeconds: number;
  startingPosition: 'LATEST' | 'TRIM_HORIZON';
  maximumRetryAttempts: number;
  maximumRecordAgeSeconds: number;
}

/**
 * Lambda's cap on a shard's window state is 1 MB; staying under 1,000,000 bytes of JSON leaves room for the
 * response envelope. `maxStateBytes` may not exceed it.
 */
export const STATE_LIMIT_BYTES = 1_000_000;

/** The slices of a loaded pipeline.yml the window aggregator reads. */
export type AnalyticsPipeline = RecordPipeline & { config: { analytics?: AnalyticsConfig } };
