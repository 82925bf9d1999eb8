/** The sink entries of pipeline.yml (`consumer.sinks[]`, `analytics.sink`); the schema fills in the defaults. */
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
