/**
 * The documented deploy configurations (README, Deploy), shared by package.test.ts (the templates) and
 * packaged-zips.test.ts (the zips), so that each is packaged once per run (sls.ts `sharedPackage`).
 */
import { params } from './sls';

export const EXISTING = {
  existingStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/existing',
  existingBucketName: 'existing-lake',
  existingDeliveryStreamName: 'existing-delivery',
};
/** Where prod reads the mask salt: a name, never the salt (which stays in Secrets Manager). */
export const SALT_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/mask-salt-AbCdEf';
export const DESTINATION = {
  openSearchDomainArn: 'arn:aws:es:eu-west-1:123456789012:domain/clickstream',
  splunkHecEndpoint: 'https://http-inputs-acme.splunkcloud.com:443',
  splunkHecTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:splunk-hec-AbCdEf',
  redshiftJdbcUrl: 'jdbc:redshift://analytics.abc123.eu-west-1.redshift.amazonaws.com:5439/telemetry',
  redshiftCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:redshift-AbCdEf',
};

/** The documented configurations: how each is packaged. */
export const CONFIGURATIONS = {
  fresh: { args: ['--stage', 'dev'], env: {} },
  attach: {
    args: ['--stage', 'prod', ...params({ maskSaltParameter: SALT_SECRET_ARN, ...EXISTING })],
    env: {},
  },
  opensearch: {
    args: params({ openSearchDomainArn: DESTINATION.openSearchDomainArn }),
    env: { PIPELINE_FILE: 'examples/opensearch/pipeline.yml' },
  },
  splunk: {
    args: params({
      splunkHecEndpoint: DESTINATION.splunkHecEndpoint,
      splunkHecTokenSecretArn: DESTINATION.splunkHecTokenSecretArn,
    }),
    env: { PIPELINE_FILE: 'examples/splunk/pipeline.yml' },
  },
  redshift: {
    args: params({
      redshiftJdbcUrl: DESTINATION.redshiftJdbcUrl,
      redshiftCredentialsSecretArn: DESTINATION.redshiftCredentialsSecretArn,
    }),
    env: { PIPELINE_FILE: 'examples/redshift/pipeline.yml' },
  },
} satisfies Record<string, { args: string[]; env: Record<string, string> }>;
export type Configuration = keyof typeof CONFIGURATIONS;
