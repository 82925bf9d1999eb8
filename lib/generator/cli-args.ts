import { numberFlag, parseCommandArgs, seedFlag } from '../options/command-args';
import { UsageError } from './errors';
import type { PartitionKeyOption } from './producer';
import { parseProfile, type ProfileSpec } from './profile';

export type GenerateTarget =
  | { type: 'stdout' }
  | { type: 'file'; path: string }
  | { type: 'kinesis'; streamName: string }
  | { type: 'firehose'; deliveryStreamName: string };

/** `kpipe generate` flags, checked and converted. */
export interface GenerateCommandOptions {
  template: string;
  count?: number;
  durationSeconds?: number;
  ratePerSecond?: number;
  seed?: number;
  /** Start of the simulated template clock (ISO date); implied 2025-01-01 by --seed. */
  startTime?: number;
  target: GenerateTarget;
  partitionKey: PartitionKeyOption;
  aggregate: boolean;
  concurrency: number;
  batchSize: number;
  invalidRatio: number;
  schema?: string;
  profile?: ProfileSpec;
  gzip: boolean;
  quiet: boolean;
  /** Send on when batch after batch is not acknowledged (default: stop, see run.ts). */
  keepGoing: boolean;
}

export const GENERATE_USAGE = `kpipe generate [options]

  --template <name|file>   shipped template (clickstream, iot-telemetry, app-logs, cloudwatch-logs)
                           or a template file (default: clickstream)
  --count <n>              stop after n records
  --duration <time>        stop after a time: 90, 90s, 15m, 2h
  --rate <n>               records per second (no cap; default: as fast as the target takes them)
  --profile <spec>         vary the rate: sine[:amplitude[:periodSeconds]] or hourly:<24 multipliers>
  --target <target>        stdout (default) | file:<path> | kinesis:<stream> | firehose:<delivery stream>
  --partition-key <spec>   random (default) | fixed:<key> | field:<json.path> | template:<template>
  --aggregate              KPL-aggregate records (kinesis targets)
  --concurrency <n>        batches in flight at once (default 1)
  --batch-size <n>         records per request, 1-500 (default 500)
  --invalid-ratio <0..1>   share of deliberately bad records: not-json, schema-violation, oversize
  --schema <file>          JSON Schema of the records (for schema-violation records)
  --seed <n>               reproducible output: seeds the data and simulates the clock
  --start-time <iso date>  where the simulated clock starts (default 2025-01-01T00:00:00Z with --seed)
  --gzip                   gzip each record
  --quiet                  no progress on stderr
  --keep-going             send on when the destination acknowledges nothing (default: stop after
                           3 such batches in a row, naming the cause)`;

const FLAGS = {
  template: { type: 'string', default: 'clickstream' },
  count: { type: 'string' },
  duration: { type: 'string' },
  rate: { type: 'string' },
  seed: { type: 'string' },
  'start-time': { type: 'string' },
  target: { type: 'string', default: 'stdout' },
  'partition-key': { type: 'string' },
  aggregate: { type: 'boolean', default: false },
  concurrency: { type: 'string', default: '1' },
  'batch-size': { type: 'string', default: '500' },
  'invalid-ratio': { type: 'string', default: '0' },
  schema: { type: 'string' },
  profile: { type: 'string' },
  gzip: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  'keep-going': { type: 'boolean', default: false },
} as const;

const positiveInteger = (value: number): boolean => Number.isInteger(value) && value > 0;

const DURATION_UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600 };

/** `90`, `90s`, `1.5m`, `2h` → seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smh]?)$/.exec(text.trim());
  const seconds = match === null ? NaN : Number(match[1]) * (DURATION_UNITS[match[2] ?? ''] ?? NaN);
  if (!(seconds > 0))
    throw new UsageError(`--duration must be a positive time such as 90, 90s, 15m or 2h; got "${text}"`);
  return seconds;
}

const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const DELIVERY_STREAM_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;

const TARGETS: Readonly<Record<string, (value: string) => GenerateTarget>> = {
  stdout: () => ({ type: 'stdout' }),
  file: (path) => {
    if (path === '') throw new UsageError('--target file:<path> needs a path');
    return { type: 'file', path };
  },
  kinesis: (streamName) => {
    if (!STREAM_NAME.test(streamName)) {
      throw new UsageError(
        `--target kinesis:<stream>: "${streamName}" is not a stream name (1-128 of a-z A-Z 0-9 _ . -)`,
      );
    }
    return { type: 'kinesis', streamName };
  },
  firehose: (deliveryStreamName) => {
    if (!DELIVERY_STREAM_NAME.test(deliveryStreamName)) {
      throw new UsageError(
        `--target firehose:<name>: "${deliveryStreamName}" is not a delivery stream name (1-64 of a-z A-Z 0-9 _ . -)`,
      );
    }
    return { type: 'firehose', deliveryStreamName };
  },
};

export function parseTarget(text: string): GenerateTarget {
  const colon = text.indexOf(':');
  const kind = colon === -1 ? text : text.slice(0, colon);
  const value = colon === -1 ? '' : text.slice(colon + 1);
  const build = Object.hasOwn(TARGETS, kind) ? TARGETS[kind] : undefined;
  if (build === undefined || (kind === 'stdout' && colon !== -1) || (kind !== 'stdout' && colon === -1)) {
    throw new UsageError(
      `--target must be stdout, file:<path>, kinesis:<stream> or firehose:<name>; got "${text}"`,
    );
  }
  return build(value);
}

const PARTITION_KEYS: Readonly<Record<string, (value: string) => PartitionKeyOption>> = {
  fixed: (fixed) => {
    if (fixed.length < 1 || fixed.length > 256)
      throw new UsageError('--partition-key fixed:<key> must be 1-256 characters');
    return { fixed };
  },
  field: (field) => {
    if (!/^[^.]+(\.[^.]+)*$/.test(field))
      throw new UsageError(`--partition-key field:<path>: bad path "${field}"`);
    return { field };
  },
  template: (template) => {
    if (!template.includes('{{'))
      throw new UsageError('--partition-key template:<text> needs at least one {{helper}}');
    return { template };
  },
};

export function parsePartitionKey(text: string): PartitionKeyOption {
  if (text === 'random') return 'random';
  const colon = text.indexOf(':');
  const kind = colon === -1 ? '' : text.slice(0, colon);
  const build = Object.hasOwn(PARTITION_KEYS, kind) ? PARTITION_KEYS[kind] : undefined;
  if (build === undefined) {
    throw new UsageError(
      `--partition-key must be random, fixed:<key>, field:<json.path> or template:<template>; got "${text}"`,
    );
  }
  return build(text.slice(colon + 1));
}

/**
 * Parses and checks `kpipe generate` arguments with Node's util.parseArgs. Throws UsageError with a message
 * naming the flag and what it expects.
 */
export function parseGenerateArgs(argv: string[]): GenerateCommandOptions {
  const { values } = parseCommandArgs(argv, { options: FLAGS, allowPositionals: false });
  const target = parseTarget(values.target);
  const options: GenerateCommandOptions = {
    template: values.template,
    target,
    partitionKey:
      values['partition-key'] === undefined ? 'random' : parsePartitionKey(values['partition-key']),
    aggregate: values.aggregate,
    concurrency: numberFlag(
      'concurrency',
      values.concurrency,
      (v) => positiveInteger(v) && v <= 1000,
      'an integer from 1 to 1000',
    ),
    batchSize: numberFlag(
      'batch-size',
      values['batch-size'],
      (v) => positiveInteger(v) && v <= 500,
      'an integer from 1 to 500',
    ),
    invalidRatio: numberFlag(
      'invalid-ratio',
      values['invalid-ratio'],
      (v) => v >= 0 && v <= 1,
      'a number from 0 to 1',
    ),
    gzip: values.gzip,
    quiet: values.quiet,
    keepGoing: values['keep-going'],
  };
  if (values.count !== undefined)
    options.count = numberFlag('count', values.count, positiveInteger, 'a positive integer');
  if (values.duration !== undefined) options.durationSeconds = parseDuration(values.duration);
  if (values.rate !== undefined)
    options.ratePerSecond = numberFlag('rate', values.rate, (v) => v > 0, 'a positive number');
  if (values.seed !== undefined) options.seed = seedFlag(values.seed);
  if (values['start-time'] !== undefined) {
    const start = Date.parse(values['start-time']);
    if (Number.isNaN(start))
      throw new UsageError(`--start-time must be an ISO date, got "${values['start-time']}"`);
    options.startTime = start;
  }
  if (values.schema !== undefined) options.schema = values.schema;
  if (values.profile !== undefined) {
    if (options.ratePerSecond === undefined)
      throw new UsageError('--profile needs --rate (the base rate it multiplies)');
    options.profile = parseProfile(values.profile);
  }
  if (options.aggregate && target.type !== 'kinesis') {
    throw new UsageError(
      '--aggregate only applies to kinesis:<stream> targets (Firehose and files take plain records)',
    );
  }
  if (target.type === 'firehose' && values['partition-key'] !== undefined) {
    throw new UsageError(
      '--partition-key does not apply to Firehose targets: PutRecordBatch has no partition keys',
    );
  }
  if (options.gzip && options.aggregate) throw new UsageError('--gzip and --aggregate cannot be combined');
  return options;
}
