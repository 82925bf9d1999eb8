/** pipeline.yml `delivery:` (schemas/pipeline.schema.json): the Firehose delivery stream; the loader fills in the defaults. */

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

/** Dynamic partitioning is on when the delivery prefix uses partition keys (validatePrefixes checks the rest). */
export function usesDynamicPartitioning(delivery: DeliveryConfig | undefined): boolean {
  return delivery?.prefix.includes('!{partitionKeyFrom') ?? false;
}
