/**
 * Re-ingestion, as AWS's Firehose blueprints do it, without their gaps: records that cannot be returned
 * (the response would pass 6,000,000 bytes, or a record had to be split) go back to where Firehose read
 * them: PutRecords to the source stream, keeping the partition key, when the event names one; else
 * PutRecordBatch to the delivery stream. Requests go to the ARN's region (as the blueprint's clients do),
 * not the function's. lib/sinks chunks to the API limits (500 records, 5 MiB / 4 MiB) and resends only
 * failed entries with backoff; an entry that still fails, or an event that names no valid place to put
 * records back, is reported per part, never thrown.
 */
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createFirehoseClient, createKinesisClient } from '../aws/clients';
import { putRecordBatchReliably } from '../sinks/firehose';
import { putRecordsReliably } from '../sinks/kinesis';
import { errorMessage, errorName, type DeliveryOptions, type PutOutcome } from '../sinks/retry';
import type { FirehoseInvocation } from './types';

/** Client factories by region: the region is the target ARN's. Given clients (mocks, emulators) may ignore it. */
export interface ReingestClients {
  kinesis: (region: string) => KinesisClient;
  firehose: (region: string) => FirehoseClient;
}

export interface ReingestPart {
  /** Index of the response entry (= input record) the part belongs to. */
  entry: number;
  data: Uint8Array;
  /** Partition key for PutRecords: the source record's own. */
  partitionKey: string;
}

export type ReingestTarget =
  | {
      kind: 'kinesis' | 'firehose';
      /** Stream ARN (kinesis) or delivery stream name (firehose). */
      name: string;
      /** The ARN's region, where the requests are signed and sent. */
      region: string;
      put(parts: readonly ReingestPart[], options: DeliveryOptions): Promise<PutOutcome>;
    }
  /** The event names no valid source stream or delivery stream: every part fails with `problem`. */
  | { kind: 'none'; problem: string };

/** The error code parts get when the event names nowhere to put them back. */
export const NO_REINGEST_TARGET = 'NoReingestTarget';

/** Resource names as the Kinesis and Firehose APIs accept them. */
const ARN_PATTERNS = {
  kinesis: /^arn:aws[a-z-]*:kinesis:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:stream\/([a-zA-Z0-9_.-]{1,128})$/,
  firehose:
    /^arn:aws[a-z-]*:firehose:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:deliverystream\/([a-zA-Z0-9_.-]{1,64})$/,
} as const;
const ARN_SHAPES = {
  kinesis: 'arn:aws:kinesis:<region>:<account>:stream/<name>',
  firehose: 'arn:aws:firehose:<region>:<account>:deliverystream/<name>',
} as const;

export interface ParsedArn {
  region: string;
  name: string;
}

/** Region and name of a Kinesis stream or Firehose delivery stream ARN; undefined for anything else. */
export function parseStreamArn(service: keyof typeof ARN_PATTERNS, arn: unknown): ParsedArn | undefined {
  if (typeof arn !== 'string') return undefined;
  const match = ARN_PATTERNS[service].exec(arn);
  return match === null ? undefined : { region: match[1]!, name: match[2]! };
}

/**
 * The delivery stream ARN of an invocation. The SAM CLI's generated streams-as-source event spells the field
 * `deliverySteamArn`; it is read too, so `sam local generate-event` output behaves as the spelling intends.
 */
export function deliveryStreamArnOf(event: FirehoseInvocation): string | undefined {
  const arn = event.deliveryStreamArn ?? event.deliverySteamArn;
  return typeof arn === 'string' ? arn : undefined;
}

function perRegion<T>(create: (region: string) => T): (region: string) => T {
  const made = new Map<string, T>();
  return (region) => {
    let client = made.get(region);
    if (client === undefined) made.set(region, (client = create(region)));
    return client;
  };
}

/** Default clients, one per region on first use; the ones given (mocks in tests, emulator clients locally) win. */
export function reingestClients(given: Partial<ReingestClients> = {}): ReingestClients {
  return {
    kinesis: given.kinesis ?? perRegion((region) => createKinesisClient({ overrides: { region } })),
    firehose: given.firehose ?? perRegion((region) => createFirehoseClient({ overrides: { region } })),
  };
}

const quoted = (value: unknown): string => (value === undefined ? 'none' : JSON.stringify(value));

/** Where this invocation's records go back to, or why they cannot. */
export function reingestTarget(event: FirehoseInvocation, clients: ReingestClients): ReingestTarget {
  const sourceArn = event.sourceKinesisStreamArn;
  if (sourceArn !== undefined && sourceArn !== '') {
    const source = parseStreamArn('kinesis', sourceArn);
    // A delivery stream that reads a Kinesis stream refuses PutRecordBatch: the source is the only way back.
    if (source === undefined) {
      return {
        kind: 'none',
        problem:
          `the event's sourceKinesisStreamArn ${quoted(sourceArn)} is not a stream ARN (${ARN_SHAPES.kinesis}),` +
          ' so the records cannot be put back into the source stream; Firehose sends a valid one, fix the test event',
      };
    }
    return {
      kind: 'kinesis',
      name: sourceArn,
      region: source.region,
      put: (parts, options) =>
        putRecordsReliably(
          clients.kinesis(source.region),
          { streamARN: sourceArn },
          parts.map((part) => ({ data: part.data, partitionKey: part.partitionKey })),
          options,
        ),
    };
  }
  const deliveryArn = deliveryStreamArnOf(event);
  const delivery = parseStreamArn('firehose', deliveryArn);
  if (delivery === undefined) {
    return {
      kind: 'none',
      problem:
        `the event has no sourceKinesisStreamArn and its deliveryStreamArn ${quoted(deliveryArn)} is not a` +
        ` delivery stream ARN (${ARN_SHAPES.firehose}), so there is nowhere to put the records back;` +
        ' Firehose sends a valid one, fix the test event (SAM CLI sample events hold a placeholder)',
    };
  }
  return {
    kind: 'firehose',
    name: delivery.name,
    region: delivery.region,
    put: (parts, options) =>
      putRecordBatchReliably(
        clients.firehose(delivery.region),
        delivery.name,
        parts.map((part) => part.data),
        options,
      ),
  };
}

function failAll(parts: readonly ReingestPart[], errorCode: string, message: string): PutOutcome {
  return {
    acknowledged: 0,
    failed: parts.map((_part, index) => ({ index, errorCode, errorMessage: message })),
    attempts: 0,
    retries: 0,
    resent: 0,
    resentUnconfirmed: 0,
  };
}

/** Sends the parts; a thrown error (no client, bad configuration) or no target fails every part instead of the batch. */
export async function reingest(
  target: ReingestTarget,
  parts: readonly ReingestPart[],
  options: DeliveryOptions,
): Promise<PutOutcome> {
  if (parts.length === 0)
    return { acknowledged: 0, failed: [], attempts: 0, retries: 0, resent: 0, resentUnconfirmed: 0 };
  if (target.kind === 'none') return failAll(parts, NO_REINGEST_TARGET, target.problem);
  try {
    return await target.put(parts, { ...options, afterFailedChunk: 'continue' });
  } catch (error) {
    return failAll(parts, errorName(error), errorMessage(error));
  }
}
