/**
 * Realistic record factories for the records tests and bench/records.bench.ts. Seeded, so every run builds
 * the same data and a failure reproduces.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Faker, base, en } from '@faker-js/faker';
import * as kinesisAgg from 'aws-kinesis-agg';

export type ClickstreamEvent = Record<string, unknown> & { event_id: string; event_type: string };

const EVENT_TYPES = ['page_view', 'click', 'search', 'add_to_cart', 'purchase', 'heartbeat'] as const;
const DEVICE_TYPES = ['desktop', 'mobile', 'tablet'] as const;

/** A clickstream event valid against schemas/clickstream.schema.json; purchases carry amount, currency, items. */
export function clickstreamEvent(faker: Faker, overrides: Record<string, unknown> = {}): ClickstreamEvent {
  const eventType = faker.helpers.arrayElement(EVENT_TYPES);
  const timestamp = faker.date.between({ from: '2025-01-01T00:00:00Z', to: '2025-12-31T23:59:59Z' });
  const path = `/${faker.helpers.arrayElement(['products', 'category', 'cart', 'checkout'])}/${faker.string.alphanumeric(8)}`;
  const event: ClickstreamEvent = {
    event_id: faker.string.uuid(),
    event_type: eventType,
    customer_id: `cust-${faker.string.numeric(8)}`,
    session_id: faker.string.alphanumeric(24),
    timestamp: timestamp.toISOString(),
    event_date: timestamp.toISOString().slice(0, 10),
    page: {
      url: `https://shop.example.com${path}`,
      path,
      title: faker.commerce.productName(),
      referrer: faker.helpers.maybe(() => faker.internet.url(), { probability: 0.5 }) ?? null,
    },
    device: {
      type: faker.helpers.arrayElement(DEVICE_TYPES),
      os: faker.helpers.arrayElement(['iOS 18', 'Android 15', 'Windows 11', 'macOS 15']),
      browser: faker.helpers.arrayElement(['Chrome', 'Safari', 'Firefox', 'Edge']),
      user_agent: faker.internet.userAgent(),
    },
    customer: {
      email: faker.internet.email(),
      segment: faker.helpers.arrayElement(['new', 'returning', 'vip']),
      lifetime_orders: faker.number.int({ min: 0, max: 200 }),
    },
    tags: faker.helpers.arrayElements(['promo', 'mobile-app', 'ab-test-b', 'newsletter'], { min: 0, max: 3 }),
    ...(eventType === 'search' ? { search_query: faker.commerce.productAdjective() } : {}),
    ...(eventType === 'purchase' ? purchaseFields(faker) : {}),
    ...overrides,
  };
  return event;
}

function purchaseFields(faker: Faker): Record<string, unknown> {
  const items = Array.from({ length: faker.number.int({ min: 1, max: 4 }) }, () => ({
    sku: `SKU-${faker.string.alphanumeric(6).toUpperCase()}`,
    quantity: faker.number.int({ min: 1, max: 5 }),
    price: Number(faker.commerce.price({ min: 1, max: 500 })),
  }));
  const amount = Math.round(items.reduce((sum, item) => sum + item.quantity * item.price, 0) * 100) / 100;
  return { amount, currency: faker.helpers.arrayElement(['EUR', 'USD', 'GBP']), items };
}

export function seededFaker(seed: number): Faker {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(seed);
  return faker;
}

export function clickstreamEvents(count: number, seed = 42): ClickstreamEvent[] {
  const faker = seededFaker(seed);
  return Array.from({ length: count }, () => clickstreamEvent(faker));
}

export function toBase64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

// --- KPL ------------------------------------------------------------------------------------------------

export interface PlainUserRecord {
  partitionKey: string;
  explicitHashKey?: string;
  data: Buffer;
}

export interface UserRecordSpec {
  count: number;
  /** How many distinct partition keys, assigned round-robin. */
  partitionKeys?: number;
  /** Give every record an explicit hash key drawn from this many distinct values. */
  explicitHashKeys?: number;
  /** Pad each record's JSON to at least this many bytes. */
  minBytes?: number;
  seed?: number;
}

/** User records carrying clickstream JSON, as a KPL producer would add them. */
export function userRecords(spec: UserRecordSpec): PlainUserRecord[] {
  const faker = seededFaker(spec.seed ?? 7);
  const keys = Array.from(
    { length: spec.partitionKeys ?? 1 },
    (_, index) => `customer-${index}-${faker.string.alphanumeric(6)}`,
  );
  const hashKeys =
    spec.explicitHashKeys === undefined
      ? undefined
      : Array.from({ length: spec.explicitHashKeys }, () =>
          faker.string.numeric({ length: 38, allowLeadingZeros: false }),
        );
  // Faker takes ~0.25 ms per event: draw a pool and vary the ids, so large specs stay fast.
  const pool = Array.from({ length: Math.min(spec.count, 64) }, () => clickstreamEvent(faker));
  return Array.from({ length: spec.count }, (_, index) => {
    const event = { ...(pool[index % pool.length] as ClickstreamEvent), event_id: faker.string.uuid() };
    const json = JSON.stringify(event);
    const padded =
      spec.minBytes !== undefined && json.length < spec.minBytes
        ? JSON.stringify({ ...event, padding: 'x'.repeat(spec.minBytes - json.length) })
        : json;
    return {
      partitionKey: keys[index % keys.length] as string,
      ...(hashKeys === undefined ? {} : { explicitHashKey: hashKeys[index % hashKeys.length] as string }),
      data: Buffer.from(padded, 'utf8'),
    };
  });
}

interface ReferenceEncodedRecord {
  partitionKey: string;
  ExplicitHashKey?: string;
  data: Buffer;
}

interface ReferenceAggregator {
  aggregateRecords(
    records: Array<{ partitionKey: string; explicitHashKey?: string; data: Buffer }>,
    forceFlush: boolean,
    onReady: (error: Error | null, encoded?: ReferenceEncodedRecord) => void,
  ): void;
}

const { RecordAggregator } = kinesisAgg as unknown as { RecordAggregator: new () => ReferenceAggregator };

/** Aggregates built by awslabs' aws-kinesis-agg (synchronous: its callback fires inside aggregateRecords). */
export function referenceAggregate(records: readonly PlainUserRecord[]): ReferenceEncodedRecord[] {
  const encoded: ReferenceEncodedRecord[] = [];
  // It replaces string data with Buffers on the objects it is given: hand it copies.
  const copies = records.map((record) => ({ ...record }));
  new RecordAggregator().aggregateRecords(copies, true, (error, record) => {
    if (error) throw error;
    if (record !== undefined) encoded.push(record);
  });
  return encoded;
}

export interface ReferenceUserRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  subSequenceNumber: number;
  data: string;
}

/** De-aggregates with aws-kinesis-agg's deaggregateSync, checksums on; throws what it reports. */
export function referenceDeaggregate(data: Buffer, partitionKey = 'outer'): ReferenceUserRecord[] {
  let result: ReferenceUserRecord[] | undefined;
  kinesisAgg.deaggregateSync(
    {
      data: data.toString('base64'),
      partitionKey,
      sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
      kinesisSchemaVersion: '1.0',
      approximateArrivalTimestamp: 1,
    },
    true,
    (error, records) => {
      if (error) throw error;
      result = records as unknown as ReferenceUserRecord[];
    },
  );
  if (result === undefined) throw new Error('deaggregateSync did not call back');
  return result;
}

/** Wraps protobuf bytes as an aggregate with a correct checksum (to test what lies behind a good MD5). */
export function withKplFraming(message: Buffer): Buffer {
  const magic = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
  return Buffer.concat([magic, message, createHash('md5').update(message).digest()]);
}

/** A copy of the bytes with one byte XOR-ed with `mask` (to corrupt data in a known place). */
export function withFlippedByte(data: Buffer, index: number, mask = 0xff): Buffer {
  const copy = Buffer.from(data);
  copy.writeUInt8(copy.readUInt8(index) ^ mask, index);
  return copy;
}

// --- CloudWatch Logs ------------------------------------------------------------------------------------

export function cloudWatchLogsData(
  overrides: Record<string, unknown> = {},
  eventCount = 3,
): Record<string, unknown> {
  const faker = seededFaker(11);
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/aws/lambda/checkout',
    logStream: '2025/06/01/[$LATEST]0123456789abcdef0123456789abcdef',
    subscriptionFilters: ['to-firehose'],
    logEvents: Array.from({ length: eventCount }, (_, index) => ({
      id: `3719567890123456789012345678901234567890123456789012345${index}`,
      timestamp: 1748736000000 + index * 1000,
      message: `${new Date(1748736000000 + index * 1000).toISOString()} INFO order ${faker.string.uuid()} placed`,
    })),
    ...overrides,
  };
}

export const CLOUDWATCH_CONTROL_MESSAGE = {
  messageType: 'CONTROL_MESSAGE',
  owner: 'CloudwatchLogs',
  logGroup: '',
  logStream: '',
  subscriptionFilters: [],
  logEvents: [
    {
      id: '',
      timestamp: 1432826855000,
      message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.',
    },
  ],
} as const;

export function gzipJson(value: unknown): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(value), 'utf8'));
}
