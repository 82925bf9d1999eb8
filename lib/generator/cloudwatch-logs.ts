import { gzipSync } from 'node:zlib';
import {
  createPartitionKeyStrategy,
  type GeneratedRecord,
  type PartitionKeyOption,
  type RecordProducer,
} from './producer';
import { createRandom, deriveSeed } from './random';
import type { CompiledTemplate } from './template';

/**
 * What a CloudWatch Logs subscription filter delivers to Kinesis or Firehose: a gzip'd JSON document
 * `{ messageType: 'DATA_MESSAGE', owner, logGroup, logStream, subscriptionFilters, logEvents: [...] }`
 * whose log events' messages are rendered from a template. Built in code because each record is gzip'd.
 */
export interface CloudWatchLogsOptions {
  /** Renders one log event's message (e.g. templates/app-logs.hbs). */
  message: CompiledTemplate;
  logGroup?: string;
  /** Default: a Lambda-style stream name, chosen once per producer. */
  logStream?: string;
  /** AWS account id of the log group. */
  owner?: string;
  subscriptionFilters?: string[];
  /** Log events per payload: a number, or a range picked per payload. Default 1-20. */
  eventsPerPayload?: number | { min: number; max: number };
  partitionKey?: PartitionKeyOption;
  seed?: number;
}

export interface CloudWatchLogsPayload {
  messageType: 'DATA_MESSAGE';
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: { id: string; timestamp: number; message: string }[];
}

export function createCloudWatchLogsProducer(options: CloudWatchLogsOptions): RecordProducer {
  const { message } = options;
  const faker = message.faker;
  const range =
    typeof options.eventsPerPayload === 'number'
      ? { min: options.eventsPerPayload, max: options.eventsPerPayload }
      : (options.eventsPerPayload ?? { min: 1, max: 20 });
  if (
    !Number.isInteger(range.min) ||
    !Number.isInteger(range.max) ||
    range.min < 1 ||
    range.max < range.min
  ) {
    throw new Error(
      `eventsPerPayload must be a positive integer or a {min, max} range, got ${JSON.stringify(range)}`,
    );
  }
  const owner = options.owner ?? '123456789012';
  if (!/^\d{12}$/.test(owner)) throw new Error(`owner must be a 12-digit AWS account id, got "${owner}"`);
  const random = createRandom(deriveSeed(options.seed, 3));
  const hex = (length: number): string =>
    Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');
  const logGroup = options.logGroup ?? '/aws/lambda/checkout-service';
  const logStream = options.logStream ?? `2025/01/01/[$LATEST]${hex(32)}`;
  const subscriptionFilters = options.subscriptionFilters ?? ['kpipe-subscription'];
  const partitionKey = createPartitionKeyStrategy(options.partitionKey, deriveSeed(options.seed, 1));

  return {
    next: (): GeneratedRecord => {
      const count = range.min === range.max ? range.min : faker.number.int(range);
      const logEvents: CloudWatchLogsPayload['logEvents'] = [];
      for (let i = 0; i < count; i += 1) {
        const text = message.render();
        // Event ids are 56-digit decimal strings in CloudWatch Logs.
        logEvents.push({
          id: faker.string.numeric({ length: 56, allowLeadingZeros: false }),
          timestamp: message.lastTime(),
          message: text,
        });
      }
      const payload: CloudWatchLogsPayload = {
        messageType: 'DATA_MESSAGE',
        owner,
        logGroup,
        logStream,
        subscriptionFilters,
        logEvents,
      };
      const json = JSON.stringify(payload);
      return { data: gzipSync(json), partitionKey: partitionKey(json), kind: 'valid' };
    },
  };
}
