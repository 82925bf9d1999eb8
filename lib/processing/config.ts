/**
 * What the record path reads from a loaded pipeline.yml. Each factory (stream consumer, Firehose processor,
 * window aggregator) takes this plus its own slice; lib/pipeline/load.ts's LoadedPipeline satisfies them all,
 * and lib/pipeline is never imported back (no cycle; .dependency-cruiser.cjs checks it).
 */
import type { PartitioningConfig } from '../partitioning/config';
import type { CustomTransform, TransformStep } from '../transform/types';

/** pipeline.yml `record:`. */
export interface RecordConfig {
  schema: string;
  maxBytes: number;
}

export interface RecordPipeline {
  /** The pipeline file, for messages. */
  file: string;
  config: { record: RecordConfig; transforms: TransformStep[]; partitioning?: PartitioningConfig };
  /** The record JSON Schema named by `record.schema`, parsed. */
  recordSchema: object;
  /** The `custom:` transforms by name (transforms/index.ts, passed in by lib/pipeline/load.ts). */
  customTransforms?: Record<string, CustomTransform>;
}
