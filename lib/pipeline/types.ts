/**
 * pipeline.yml after validation, with the schema's defaults filled in. The schema
 * (schemas/pipeline.schema.json and schemas/pipeline/*.schema.json) is the authority; these types
 * mirror it.
 */
import type { TransformStep } from '../transform';
import type { PartitioningConfig } from '../partitioning';
import type { ConversionConfig } from '../parquet';
import type { AnalyticsConfig } from '../analytics';

export interface StreamConfig {
  name: string;
  mode: 'PROVISIONED' | 'ON_DEMAND';
  shards: number;
  retentionHours: number;
  kmsKeyId: string;
}

export interface RecordConfig {
  schema: string;
  maxBytes: number;
}

export interface S3SinkConfig {
  type: 's3';
  prefix: string;
  format: 'jsonl';
  compression: 'gzip' | 'none';
  partitioned: boolean;
}

export interface FirehoseSinkConfig {
  type: 'firehose';
  deliveryStream: string;
}

export interface KinesisSinkConfig {
  type: 'kinesis';
  stream: string;
  partitionKeyField?: string;
}

export type SinkConfig = S3SinkConfig | FirehoseSinkConfig | KinesisSinkConfig;

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

/** The data lake: ExtendedS3DestinationConfiguration, with dynamic partitioning when the prefix asks for it. */
export interface S3DestinationConfig {
  type: 's3';
}

/** Amazon OpenSearch Service; the domain ARN is a `--param` (stage-specific). */
export interface OpenSearchDestinationConfig {
  type: 'opensearch';
  indexName: string;
  indexRotation: 'NoRotation' | 'OneHour' | 'OneDay' | 'OneWeek' | 'OneMonth';
  retrySeconds: number;
  backupMode: 'FailedDocumentsOnly' | 'AllDocuments';
}

/** Splunk HTTP Event Collector; endpoint and token secret are `--param`s. */
export interface SplunkDestinationConfig {
  type: 'splunk';
  endpointType: 'Raw' | 'Event';
  ackTimeoutSeconds: number;
  retrySeconds: number;
  backupMode: 'FailedEventsOnly' | 'AllEvents';
}

/** Amazon Redshift via COPY from an intermediate S3 prefix; JDBC URL and credentials secret are `--param`s. */
export interface RedshiftDestinationConfig {
  type: 'redshift';
  table: string;
  columns?: string[];
  copyOptions: string;
  retrySeconds: number;
}

export type DestinationConfig =
  S3DestinationConfig | OpenSearchDestinationConfig | SplunkDestinationConfig | RedshiftDestinationConfig;

export interface DeliveryConfig {
  name: string;
  source: 'kinesis' | 'direct-put';
  processor: {
    function: 'firehoseTransformer' | 'partitionKeys' | 'none';
    bufferSizeMB: number;
    bufferIntervalSeconds: number;
    retries: number;
  };
  buffering: { sizeMB: number; intervalSeconds: number };
  prefix: string;
  errorOutputPrefix?: string;
  compression: 'UNCOMPRESSED' | 'GZIP' | 'ZIP' | 'Snappy' | 'HADOOP_SNAPPY';
  sourceRecordBackup: boolean;
  /** Prefix of the source-record backup. */
  backupPrefix: string;
  /** `json` (objects, JSON lines, concatenated) or gzip'd CloudWatch Logs subscription payloads. */
  input: 'json' | 'cloudwatch-logs';
  /** IANA zone for `!{timestamp:...}` (Firehose CustomTimeZone); UTC when absent. */
  timeZone?: string;
  /** RecordDeAggregation (JSON) before the Lambda when dynamic partitioning is on and input is JSON. */
  multiRecordDeaggregation: boolean;
  /** Where Firehose delivers; the schema fills in `{type: s3}`, so absent means S3 too. */
  destination?: DestinationConfig;
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
