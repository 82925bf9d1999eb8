/**
 * The Firehose destinations other than S3 (docs/firehose.md, the `delivery` block): OpenSearch, Splunk and
 * Redshift, each behind the same Lambda processor and each with its S3 backup of what it could not deliver.
 * Endpoints, domain ARNs and secrets differ per stage, so they are `--param`s, checked here at package time;
 * secrets never enter the template: Firehose reads them from Secrets Manager (SecretsManagerConfiguration).
 */
import { usesDynamicPartitioning } from '../firehose/config';
import type {
  DeliveryConfig,
  DestinationConfig,
  OpenSearchDestinationConfig,
  RedshiftDestinationConfig,
  SplunkDestinationConfig,
} from '../pipeline/types';
import type { Intrinsic, Statement } from './common';

export type DestinationType = DestinationConfig['type'];

const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

/** Every `--param` a destination may need: what it must look like, for the error message. */
export const DESTINATION_PARAMS = {
  openSearchDomainArn: {
    pattern: /^arn:aws[a-z-]*:es:[a-z0-9-]+:\d{12}:domain\/[a-z][a-z0-9-]{2,27}$/,
    what: 'an OpenSearch domain ARN (arn:aws:es:<region>:<account>:domain/<name>)',
  },
  splunkHecEndpoint: {
    pattern: /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/\S*)?$/,
    what: 'the HTTPS URL of the Splunk HTTP Event Collector',
  },
  splunkHecTokenSecretArn: {
    pattern: SECRET_ARN,
    what: 'the full ARN of a Secrets Manager secret holding {"hec_token": "..."}',
  },
  redshiftJdbcUrl: {
    pattern: /^jdbc:redshift:\/\/[A-Za-z0-9.-]+:\d{1,5}\/[A-Za-z0-9_$-]+$/,
    what: 'a Redshift JDBC URL (jdbc:redshift://<host>:<port>/<database>)',
  },
  redshiftCredentialsSecretArn: {
    pattern: SECRET_ARN,
    what: 'the full ARN of a Secrets Manager secret holding {"username": "...", "password": "..."}',
  },
} as const;

export type DestinationParam = keyof typeof DESTINATION_PARAMS;

const PARAMS_NEEDED: Record<DestinationType, DestinationParam[]> = {
  s3: [],
  opensearch: ['openSearchDomainArn'],
  splunk: ['splunkHecEndpoint', 'splunkHecTokenSecretArn'],
  redshift: ['redshiftJdbcUrl', 'redshiftCredentialsSecretArn'],
};

/** CloudWatch metrics of each destination, for the delivery alarms. */
export const DELIVERY_METRICS: Record<DestinationType, { success: string; freshness: string }> = {
  s3: { success: 'DeliveryToS3.Success', freshness: 'DeliveryToS3.DataFreshness' },
  opensearch: {
    success: 'DeliveryToAmazonOpenSearchService.Success',
    freshness: 'DeliveryToAmazonOpenSearchService.DataFreshness',
  },
  splunk: { success: 'DeliveryToSplunk.Success', freshness: 'DeliveryToSplunk.DataFreshness' },
  // Redshift loads from the intermediate S3 prefix: records are fresh once they reach it.
  redshift: { success: 'DeliveryToRedshift.Success', freshness: 'DeliveryToS3.DataFreshness' },
};

export const destinationOf = (delivery: DeliveryConfig): DestinationConfig =>
  delivery.destination ?? { type: 's3' };

/** The `--param`s the pipeline's destination needs, each checked; throws naming every missing or bad one. */
export function destinationParams(
  delivery: DeliveryConfig | undefined,
  raw: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const type = delivery ? destinationOf(delivery).type : 's3';
  const problems: string[] = [];
  const params: Record<string, string> = {};
  for (const name of PARAMS_NEEDED[type]) {
    const { pattern, what } = DESTINATION_PARAMS[name];
    const value = raw[name];
    if (typeof value !== 'string' || value === '') {
      problems.push(`param ${name}: delivery.destination ${type} needs it (--param ${name}=...): ${what}`);
    } else if (!pattern.test(value)) {
      problems.push(`param ${name}: must be ${what}, got ${JSON.stringify(value)}`);
    } else params[name] = value;
  }
  if (problems.length > 0) throw new Error(`invalid destination parameters:\n  - ${problems.join('\n  - ')}`);
  return params;
}

/** What the delivery stream builder hands over: shared by every destination. */
export interface DestinationParts {
  delivery: DeliveryConfig;
  params: Readonly<Record<string, string>>;
  roleArn: Intrinsic;
  processing: Record<string, unknown>;
  /** CloudWatchLoggingOptions writing to the given log stream (logical id). */
  logging: (stream: 'destination' | 'backup') => Record<string, unknown>;
  /** The S3 configuration for backups: bucket, prefix, error prefix, compression, logging. */
  s3: (overrides?: Record<string, unknown>) => Record<string, unknown>;
}

export interface BuiltDestination {
  /** The DeliveryStream property holding the configuration. */
  property: string;
  configuration: Record<string, unknown>;
  /** What the Firehose role needs besides the S3 prefixes and the log group. */
  statements: Statement[];
}

/** Fixed hints for backups of failures: small and frequent, so a failure is visible within minutes. */
const BACKUP_BUFFERING = { SizeInMBs: 5, IntervalInSeconds: 300 };

function checkBuffering(
  delivery: DeliveryConfig,
  type: string,
  maxSizeMB: number,
  maxIntervalSeconds: number,
) {
  const { sizeMB, intervalSeconds } = delivery.buffering;
  const problems: string[] = [];
  if (sizeMB > maxSizeMB)
    problems.push(`delivery.buffering.sizeMB: is ${sizeMB}, but ${type} accepts at most ${maxSizeMB}`);
  if (intervalSeconds > maxIntervalSeconds) {
    problems.push(
      `delivery.buffering.intervalSeconds: is ${intervalSeconds}, but ${type} accepts at most ${maxIntervalSeconds}`,
    );
  }
  return problems;
}

const secretStatement = (secretArn: string): Statement => ({
  Effect: 'Allow',
  Action: ['secretsmanager:GetSecretValue'],
  Resource: secretArn,
});

function openSearch(parts: DestinationParts, destination: OpenSearchDestinationConfig): BuiltDestination {
  const { delivery, roleArn } = parts;
  const domain = parts.params.openSearchDomainArn!;
  const index = destination.indexName;
  return {
    property: 'AmazonopensearchserviceDestinationConfiguration',
    configuration: {
      DomainARN: domain,
      IndexName: index,
      IndexRotationPeriod: destination.indexRotation,
      RoleARN: roleArn,
      BufferingHints: {
        SizeInMBs: delivery.buffering.sizeMB,
        IntervalInSeconds: delivery.buffering.intervalSeconds,
      },
      RetryOptions: { DurationInSeconds: destination.retrySeconds },
      S3BackupMode: destination.backupMode,
      S3Configuration: parts.s3({ BufferingHints: BACKUP_BUFFERING }),
      ProcessingConfiguration: parts.processing,
      CloudWatchLoggingOptions: parts.logging('destination'),
    },
    // The actions and paths Firehose uses (bulk writes, index mappings, cluster health), on this domain only.
    statements: [
      {
        Effect: 'Allow',
        Action: [
          'es:DescribeDomain',
          'es:DescribeDomainConfig',
          'es:DescribeDomains',
          'es:ESHttpPost',
          'es:ESHttpPut',
        ],
        Resource: [domain, `${domain}/*`],
      },
      {
        Effect: 'Allow',
        Action: ['es:ESHttpGet'],
        Resource: [
          `${domain}/_all/_settings`,
          `${domain}/_cluster/stats`,
          `${domain}/${index}*/_mapping/*`,
          `${domain}/_nodes`,
          `${domain}/_nodes/stats`,
          `${domain}/_nodes/*/stats`,
          `${domain}/_stats`,
          `${domain}/${index}*/_stats`,
        ],
      },
    ],
  };
}

function splunk(parts: DestinationParts, destination: SplunkDestinationConfig): BuiltDestination {
  const { delivery, roleArn } = parts;
  const secret = parts.params.splunkHecTokenSecretArn!;
  return {
    property: 'SplunkDestinationConfiguration',
    configuration: {
      HECEndpoint: parts.params.splunkHecEndpoint,
      HECEndpointType: destination.endpointType,
      HECAcknowledgmentTimeoutInSeconds: destination.ackTimeoutSeconds,
      // The token stays in Secrets Manager; Firehose needs a role of its own here to read it.
      SecretsManagerConfiguration: { Enabled: true, SecretARN: secret, RoleARN: roleArn },
      BufferingHints: {
        SizeInMBs: delivery.buffering.sizeMB,
        IntervalInSeconds: delivery.buffering.intervalSeconds,
      },
      RetryOptions: { DurationInSeconds: destination.retrySeconds },
      S3BackupMode: destination.backupMode,
      S3Configuration: parts.s3({ BufferingHints: BACKUP_BUFFERING }),
      ProcessingConfiguration: parts.processing,
      CloudWatchLoggingOptions: parts.logging('destination'),
    },
    statements: [secretStatement(secret)],
  };
}

function redshift(parts: DestinationParts, destination: RedshiftDestinationConfig): BuiltDestination {
  const { delivery, roleArn } = parts;
  const secret = parts.params.redshiftCredentialsSecretArn!;
  // COPY reads the intermediate objects; GZIP is the only compression it and Firehose agree on.
  const copyOptions =
    delivery.compression === 'GZIP' ? `${destination.copyOptions} GZIP` : destination.copyOptions;
  return {
    property: 'RedshiftDestinationConfiguration',
    configuration: {
      ClusterJDBCURL: parts.params.redshiftJdbcUrl,
      CopyCommand: {
        DataTableName: destination.table,
        ...(destination.columns && { DataTableColumns: destination.columns.join(',') }),
        CopyOptions: copyOptions,
      },
      RoleARN: roleArn,
      SecretsManagerConfiguration: { Enabled: true, SecretARN: secret },
      RetryOptions: { DurationInSeconds: destination.retrySeconds },
      // The intermediate prefix; a COPY that keeps failing leaves its manifest under the error prefix.
      S3Configuration: parts.s3({
        BufferingHints: {
          SizeInMBs: delivery.buffering.sizeMB,
          IntervalInSeconds: delivery.buffering.intervalSeconds,
        },
      }),
      S3BackupMode: delivery.sourceRecordBackup ? 'Enabled' : 'Disabled',
      ...(delivery.sourceRecordBackup && {
        S3BackupConfiguration: parts.s3({
          Prefix: delivery.backupPrefix,
          CompressionFormat: 'GZIP',
          BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 },
        }),
      }),
      ProcessingConfiguration: parts.processing,
      CloudWatchLoggingOptions: parts.logging('destination'),
    },
    statements: [secretStatement(secret)],
  };
}

/** Per destination: the limits Firehose puts on pipeline.yml values, and the builder. */
const BUILDERS = {
  opensearch: {
    problems: (delivery: DeliveryConfig) => checkBuffering(delivery, 'OpenSearch', 100, 900),
    build: openSearch,
  },
  splunk: {
    problems: (delivery: DeliveryConfig) => checkBuffering(delivery, 'Splunk', 5, 60),
    build: splunk,
  },
  redshift: {
    problems: (delivery: DeliveryConfig) =>
      ['UNCOMPRESSED', 'GZIP'].includes(delivery.compression)
        ? []
        : [
            `delivery.compression: is ${delivery.compression}, but Redshift COPY reads only UNCOMPRESSED or GZIP`,
          ],
    build: redshift,
  },
} as const;

/** What pipeline.yml asks of a non-S3 destination that Firehose refuses; each problem names its field. */
export function destinationProblems(delivery: DeliveryConfig): string[] {
  const destination = destinationOf(delivery);
  if (destination.type === 's3') return [];
  const problems = [...BUILDERS[destination.type].problems(delivery)];
  if (usesDynamicPartitioning(delivery)) {
    problems.push(
      `delivery.prefix: ${destination.type} does not support dynamic partitioning; use a prefix without !{partitionKeyFrom...} (it holds the S3 backup)`,
    );
  }
  if (delivery.processor.function === 'partitionKeys') {
    problems.push(
      `delivery.processor.function: partitionKeys only adds partition keys, which ${destination.type} cannot use; use firehoseTransformer or none`,
    );
  }
  return problems;
}

/** The configuration of a non-S3 destination; throws listing what pipeline.yml asks that Firehose refuses. */
export function buildDestination(parts: DestinationParts): BuiltDestination {
  const destination = destinationOf(parts.delivery);
  if (destination.type === 's3') throw new Error('buildDestination: S3 is built by lib/deploy/firehose.ts');
  const problems = destinationProblems(parts.delivery);
  if (problems.length > 0) {
    throw new Error(`delivery.destination ${destination.type}:\n  - ${problems.join('\n  - ')}`);
  }
  const builders: {
    [K in Exclude<DestinationType, 's3'>]: (
      parts: DestinationParts,
      destination: Extract<DestinationConfig, { type: K }>,
    ) => BuiltDestination;
  } = {
    opensearch: BUILDERS.opensearch.build,
    splunk: BUILDERS.splunk.build,
    redshift: BUILDERS.redshift.build,
  };
  return (builders[destination.type] as (parts: DestinationParts, d: DestinationConfig) => BuiltDestination)(
    parts,
    destination,
  );
}
