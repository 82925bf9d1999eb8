/**
 * pipeline.yml after validation, with the schema's defaults filled in. The schema
 * (schemas/pipeline.schema.json and schemas/pipeline/*.schema.json) is the authority; these types
 * mirror it. Each domain owns its slice (its own config module); this module composes them and re-exports
 * the slices for the modules above the domains (deploy, local, cli).
 */
import type { AnalyticsConfig } from '../analytics/config';
import type { ConsumerConfig } from '../consumer/config';
import type { DeliveryConfig } from '../firehose/config';
import type { ConversionConfig } from '../parquet/config';
import type { PartitioningConfig } from '../partitioning/config';
import type { RecordConfig } from '../processing/config';
import type { TransformStep } from '../transform/types';

export type { ConsumerConfig } from '../consumer/config';
export type {
  DeliveryConfig,
  DestinationConfig,
  OpenSearchDestinationConfig,
  RedshiftDestinationConfig,
  S3DestinationConfig,
  SplunkDestinationConfig,
} from '../firehose/config';
export type { RecordConfig } from '../processing/config';
export type { FirehoseSinkConfig, KinesisSinkConfig, S3SinkConfig, SinkConfig } from '../sinks/config';

export interface StreamConfig {
  name: string;
  mode: 'PROVISIONED' | 'ON_DEMAND';
  shards: number;
  retentionHours: number;
  kmsKeyId: string;
}

export interface PipelineConfig {
  name: string;
  stream: StreamConfig;
  record: RecordConfig;
  transforms: TransformStep[];
  partitioning?: PartitioningConfig;
  consumer?: ConsumerConfig;
  delivery?: DeliveryConfig;
  conversion?: ConversionConfig;
  analytics?: AnalyticsConfig;
}
