import { gzipSync } from 'node:zlib';
import { FieldPathError, parseFieldPath, readFieldPath, type PathSegment } from '../records/field-path';
import { createInvalidRecordInjector, type InvalidKind, type InvalidRecordOptions } from './invalid';
import { createRandom, deriveSeed } from './random';
import { compileTemplate, type CompiledTemplate } from './template';

export const RECORD_KINDS = ['valid', 'not-json', 'schema-violation', 'oversize'] as const;
export type RecordKind = 'valid' | InvalidKind;

/** One record ready for a sink. */
export interface GeneratedRecord {
  data: Uint8Array;
  partitionKey: string;
  kind: RecordKind;
}

/** Anything that makes records one at a time: a template, a CloudWatch Logs payload builder... */
export interface RecordProducer {
  next(): GeneratedRecord;
}

/**
 * How each record's partition key is chosen:
 * - `'random'`: a random number below 10^10, as the original did (spreads records over all shards);
 * - `{ fixed }`: one key for everything (one shard; shows what a single key does to parallelism);
 * - `{ template }`: its own template, e.g. `user-{{number.int(99)}}`;
 * - `{ field }`: a field of the rendered JSON record, dotted (`customer_id`, `device.id`); records without it
 *   (or not JSON, such as deliberately broken ones) get a random key.
 */
export type PartitionKeyOption =
  'random' | { fixed: string } | { template: string | CompiledTemplate } | { field: string };

const MAX_PARTITION_KEY_LENGTH = 256;

function checkKey(key: string, origin: string): string {
  if (key.length === 0 || key.length > MAX_PARTITION_KEY_LENGTH) {
    throw new Error(
      `partition key from ${origin} must be 1-256 characters, got ${key.length}: "${key.slice(0, 40)}"`,
    );
  }
  return key;
}

/** Builds the per-record partition key function; the rendered text is passed for `{ field }`. */
export function createPartitionKeyStrategy(
  option: PartitionKeyOption = 'random',
  seed?: number,
): (text: string) => string {
  const random = createRandom(seed);
  const randomKey = (): string => String(Math.floor(random() * 1e10));
  if (option === 'random') return randomKey;
  if ('fixed' in option) {
    const key = checkKey(option.fixed, 'the fixed option');
    return () => key;
  }
  if ('template' in option) {
    const template =
      typeof option.template === 'string'
        ? compileTemplate(option.template, { seed, newlines: 'strip', source: 'partition key template' })
        : option.template;
    return () => checkKey(template.render(), 'the partition key template');
  }
  let path: PathSegment[];
  try {
    path = parseFieldPath(option.field);
  } catch (error) {
    if (!(error instanceof FieldPathError)) throw error;
    throw new Error(`bad partition key field: ${error.message}`);
  }
  return (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return randomKey();
    }
    value = readFieldPath(value, path);
    if (typeof value === 'string' && value.length > 0) return value.slice(0, MAX_PARTITION_KEY_LENGTH);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return randomKey();
  };
}

export interface TemplateProducerOptions {
  partitionKey?: PartitionKeyOption;
  invalid?: InvalidRecordOptions;
  /** Seeds the partition-key and bad-record choices (the template has its own seed). */
  seed?: number;
  /** Appended to every record, as the original did; default "\n". Not added to gzip'd records. */
  delimiter?: string;
  /** gzip each record on its own (the original's "compress" option). */
  gzip?: boolean;
}

/** Turns a compiled template into records: renders, optionally spoils, appends the delimiter, picks a key. */
export function createTemplateProducer(
  template: CompiledTemplate,
  options: TemplateProducerOptions = {},
): RecordProducer {
  const delimiter = options.delimiter ?? '\n';
  const partitionKey = createPartitionKeyStrategy(options.partitionKey, deriveSeed(options.seed, 1));
  const spoil =
    options.invalid === undefined || options.invalid.ratio === 0
      ? undefined
      : createInvalidRecordInjector({
          ...options.invalid,
          seed: options.invalid.seed ?? deriveSeed(options.seed, 2),
        });
  const encode = options.gzip
    ? (text: string): Uint8Array => gzipSync(text)
    : (text: string): Uint8Array => Buffer.from(text + delimiter);
  return {
    next: () => {
      const rendered = template.render();
      const { text, kind } =
        spoil === undefined ? { text: rendered, kind: 'valid' as const } : spoil(rendered);
      return { data: encode(text), partitionKey: partitionKey(text), kind };
    },
  };
}
