/**
 * What differs between stages: retention, alarm thresholds (and the log level, which serverless.yml passes
 * to the functions directly). serverless.yml `params:` holds one set per stage; they arrive here as the
 * strings or numbers serverless resolved, and are checked once, each problem naming its `--param`.
 */

export interface StageSettings {
  /** CloudWatch Logs retention of the functions' and Firehose's log groups (a value CloudWatch accepts). */
  logRetentionDays: number;
  /** Raw (JSON) objects under the delivery/conversion input prefix expire after this; 0 keeps them. */
  rawRetentionDays: number;
  /** Objects under the error prefixes expire after this; 0 keeps them. */
  errorRetentionDays: number;
  /** IteratorAge alarm of the stream readers. */
  iteratorAgeAlarmSeconds: number;
  /** Errors alarm of every function: more than this many failed invocations in 5 minutes. */
  functionErrorsAlarmThreshold: number;
  /** On-failure (dead-letter) queue alarm: more than this many visible messages. */
  failureQueueAlarmThreshold: number;
  /** Records (or Parquet conversion errors) a function sent to its error output in 5 minutes before an alarm. */
  recordsFailedAlarmThreshold: number;
  /** Firehose data-freshness alarm (at least three buffer intervals are used whatever this says). */
  deliveryFreshnessAlarmSeconds: number;
  /** SNS topic the alarms notify; none when empty. */
  alarmTopicArn: string;
}

export const DEFAULT_SETTINGS: Readonly<StageSettings> = {
  logRetentionDays: 14,
  rawRetentionDays: 0,
  errorRetentionDays: 30,
  iteratorAgeAlarmSeconds: 300,
  functionErrorsAlarmThreshold: 0,
  failureQueueAlarmThreshold: 0,
  recordsFailedAlarmThreshold: 0,
  deliveryFreshnessAlarmSeconds: 900,
  alarmTopicArn: '',
};

/** The values AWS::Logs::LogGroup RetentionInDays accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

type Rule = (value: unknown) => { value: number | string } | { problem: string };

const integer =
  (min: number, max: number): Rule =>
  (value) => {
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    return typeof number === 'number' && Number.isInteger(number) && number >= min && number <= max
      ? { value: number }
      : { problem: `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}` };
  };

const oneOf =
  (allowed: readonly number[]): Rule =>
  (value) => {
    const number = typeof value === 'string' ? Number(value) : value;
    return typeof number === 'number' && allowed.includes(number)
      ? { value: number }
      : { problem: `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}` };
  };

const pattern =
  (regex: RegExp, what: string): Rule =>
  (value) =>
    typeof value === 'string' && regex.test(value)
      ? { value }
      : { problem: `must be ${what}, got ${JSON.stringify(value)}` };

const RULES: Record<keyof StageSettings, Rule> = {
  logRetentionDays: oneOf(LOG_RETENTION_DAYS),
  rawRetentionDays: integer(0, 36500),
  errorRetentionDays: integer(0, 36500),
  iteratorAgeAlarmSeconds: integer(1, 7 * 24 * 3600),
  functionErrorsAlarmThreshold: integer(0, 1_000_000),
  failureQueueAlarmThreshold: integer(0, 1_000_000),
  recordsFailedAlarmThreshold: integer(0, 1_000_000_000),
  deliveryFreshnessAlarmSeconds: integer(60, 24 * 3600),
  alarmTopicArn: pattern(
    /^$|^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
    'empty or an SNS topic ARN',
  ),
};

/** Defaults applied and every value checked; throws listing each bad `--param`. */
export function resolveSettings(raw: Readonly<Record<string, unknown>> = {}): StageSettings {
  const resolved: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(RULES)) {
    const given = raw[name];
    const outcome = rule(given === undefined ? DEFAULT_SETTINGS[name as keyof StageSettings] : given);
    if ('problem' in outcome) problems.push(`param ${name}: ${outcome.problem}`);
    else resolved[name] = outcome.value;
  }
  if (problems.length > 0) throw new Error(`invalid stage settings:\n  - ${problems.join('\n  - ')}`);
  return resolved as unknown as StageSettings;
}

/** What `--param existing*=` accepts: the stack parameters enforce the same patterns at deploy time. */
export const ATTACH_PATTERNS = {
  existingStreamArn: {
    pattern: '^$|^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/[a-zA-Z0-9_.-]{1,128}$',
    what: 'empty or a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)',
  },
  existingBucketName: {
    pattern: '^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
    what: 'empty or an S3 bucket name',
  },
  existingDeliveryStreamName: {
    pattern: '^$|^[a-zA-Z0-9_.-]{1,64}$',
    what: 'empty or a Firehose delivery stream name',
  },
} as const;

export type AttachParams = Record<keyof typeof ATTACH_PATTERNS, string>;

/** Checks the attach `--param`s at package time, so a typo fails `sls package`, not a deploy. */
export function checkAttachParams(params: Readonly<Record<string, unknown>>): AttachParams {
  const problems: string[] = [];
  const resolved: Record<string, string> = {};
  for (const [name, { pattern: source, what }] of Object.entries(ATTACH_PATTERNS)) {
    const value = params[name] ?? '';
    if (typeof value !== 'string' || !new RegExp(source).test(value)) {
      problems.push(`param ${name}: must be ${what}, got ${JSON.stringify(value)}`);
    } else resolved[name] = value;
  }
  if (problems.length > 0) throw new Error(`invalid attach parameters:\n  - ${problems.join('\n  - ')}`);
  return resolved as AttachParams;
}
