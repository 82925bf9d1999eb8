/** The Lambda functions a pipeline deploys and the shape of the template; index.ts and template.ts share it. */

interface FunctionSettings {
  handler: string;
  description: string;
  memorySize: number;
  timeout: number;
}

/** The Lambda functions, keyed as serverless.yml and docs name them; memory and timeout sized per function. */
export const FUNCTIONS = {
  streamConsumer: {
    handler: 'functions/stream-consumer.handler',
    description: 'Kinesis stream consumer (decode, de-aggregate, validate, transform, deliver)',
    memorySize: 1024,
    timeout: 120,
  },
  firehoseTransformer: {
    handler: 'functions/firehose-transformer.handler',
    description: 'Firehose record transformer (validate, transform, partition keys, 6 MB guard)',
    memorySize: 1024,
    timeout: 120,
  },
  partitionKeys: {
    handler: 'functions/partition-keys.handler',
    description: 'Firehose dynamic-partitioning key extractor (data untouched)',
    memorySize: 512,
    timeout: 120,
  },
  windowAggregator: {
    handler: 'functions/window-aggregator.handler',
    description: 'Windowed SQL over Kinesis tumbling windows (pipeline.yml analytics)',
    memorySize: 512,
    timeout: 60,
  },
  parquetConverter: {
    handler: 'functions/parquet-converter.handler',
    description:
      'Raw S3 objects (JSON lines) to Parquet under the curated prefix, bad records to the error prefix',
    // Measured (docs/parquet.md): a 200 MB JSON-lines object peaks at ~530 MB RSS with Lambda's 1,024 MB heap
    // flags and takes ~14 s on one core; 1,024 MB leaves room for wider records, and 300 s for slower CPUs.
    memorySize: 1024,
    timeout: 300,
  },
} satisfies Record<string, FunctionSettings>;

export type FunctionKey = keyof typeof FUNCTIONS;

export interface DeployTemplate {
  functions: Partial<Record<FunctionKey, Record<string, unknown>>>;
  resources: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** Stack parameters (`Existing*`) and the Conditions (`Create*`) that attach to existing resources. */
  parameters: Record<string, unknown>;
  conditions: Record<string, unknown>;
  /** serverless `resources.extensions`: properties set on resources serverless generates. */
  extensions: Record<string, unknown>;
}
