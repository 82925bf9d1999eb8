/**
 * Records per second rendering the clickstream template through generate() into memory (template
 * closures, variant choice, partition keys, encoding, batching) against a bare loop that calls faker
 * directly for the same fields and builds the same JSON with template literals.
 */
import { Faker, base, en } from '@faker-js/faker';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../lib/aws/clients';
import { awsSinks } from '../lib/cli/generate';
import { compileTemplate, createMemorySink, generate, loadTemplateSpec } from '../lib/generator';
import {
  createStreamAndWait,
  localOverrides,
  startKinesisLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
} from '../tests/integration/support/emulators';
import { runBench } from './harness';

const RECORDS = 5000;

const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
];

/** The clickstream template's fields, by hand. */
function bareLoop(faker: Faker, count: number): Buffer[] {
  // Weighted choices prepared once, as the template compiler does.
  const weighted = <T>(weights: number[], data: T[]): (() => T) => {
    const pairs = weights.map((weight, i) => ({ weight, value: data[i] as T }));
    return () => faker.helpers.weightedArrayElement(pairs);
  };
  const deviceType = weighted([0.55, 0.38, 0.07], ['mobile', 'desktop', 'tablet']);
  const variantOf = weighted([64, 14, 14, 8], ['browse', 'search', 'add_to_cart', 'purchase']);
  const browseType = weighted([0.62, 0.3, 0.08], ['page_view', 'click', 'heartbeat']);
  const referrer = weighted(
    [0.5, 0.3, 0.2],
    ['null', '"https://www.google.com/"', '"https://www.bing.com/"'],
  );
  const segment = weighted([0.6, 0.3, 0.1], ['regular', 'new', 'vip']);
  const currency = weighted([0.7, 0.2, 0.1], ['USD', 'EUR', 'GBP']);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i += 1) {
    const time = new Date();
    const common = `"event_id":"${faker.string.uuid()}","customer_id":"C${faker.number.int({ min: 100000, max: 999999 })}","session_id":"${faker.string.alphanumeric({ length: 20, casing: 'lower' })}","timestamp":"${time.toISOString()}","event_date":"${time.toISOString().slice(0, 10)}"`;
    const device = `"device":{"type":"${deviceType()}","os":"${faker.helpers.arrayElement(['iOS', 'Android', 'Windows', 'macOS', 'Linux'])}","browser":"${faker.helpers.arrayElement(['Chrome', 'Safari', 'Firefox', 'Edge'])}","user_agent":"${faker.helpers.arrayElement(USER_AGENTS)}"}`;
    const item = (): string =>
      `{"sku":"SKU-${faker.string.alphanumeric({ length: 8, casing: 'upper' })}","quantity":${faker.number.int({ min: 1, max: 3 })},"price":${faker.commerce.price({ min: 5, max: 500 })}}`;
    const variant = variantOf();
    let text: string;
    if (variant === 'browse') {
      const slug = faker.lorem.slug(2);
      text = `{${common},"event_type":"${browseType()}","page":{"url":"https://shop.example.com/products/${slug}","path":"/products/${slug}","title":"${faker.commerce.productName()}","referrer":${referrer()}},${device},"customer":{"email":"${faker.internet.email()}","segment":"${segment()}","lifetime_orders":${faker.number.int(250)}},"tags":${JSON.stringify(faker.helpers.arrayElements(['sale', 'new', 'gift', 'clearance', 'featured'], 2))}}`;
    } else if (variant === 'search') {
      const query = faker.commerce.product();
      text = `{${common},"event_type":"search","search_query":"${faker.commerce.productAdjective()} ${faker.commerce.product()}","page":{"url":"https://shop.example.com/search?q=${query}","path":"/search","title":"Search results for ${query}","referrer":"https://shop.example.com/"},${device}}`;
    } else if (variant === 'add_to_cart') {
      const slug = faker.lorem.slug(2);
      text = `{${common},"event_type":"add_to_cart","page":{"url":"https://shop.example.com/products/${slug}","path":"/products/${slug}","title":"${faker.commerce.productName()}","referrer":null},${device},"items":[${item()}]}`;
    } else {
      text = `{${common},"event_type":"purchase","amount":${faker.finance.amount({ min: 5, max: 2000 })},"currency":"${currency()}","page":{"url":"https://shop.example.com/checkout/complete","path":"/checkout/complete","title":"Thank you for your order","referrer":"https://shop.example.com/checkout"},${device},"customer":{"email":"${faker.internet.email()}","segment":"${segment()}","lifetime_orders":${faker.number.int({ min: 1, max: 250 })}},"items":[${item()},${item()}]}`;
    }
    out.push(Buffer.from(`${text}\n`));
  }
  return out;
}

export default async function bench(): Promise<void> {
  const spec = loadTemplateSpec('clickstream');
  const template = compileTemplate(spec.text, { seed: 1, newlines: spec.newlines });
  const faker = new Faker({ locale: [en, base] });
  faker.seed(1);
  await runBench({
    name: 'generate clickstream template -> memory sink',
    unit: 'records',
    unitsPerCall: RECORDS,
    subject: () => generate({ template, sink: createMemorySink(), count: RECORDS }),
    baseline: () => bareLoop(faker, RECORDS),
    baselineName: 'bare faker loop, same fields',
  });
  await kinesisLocalBench(template);
}

/**
 * Records per second acknowledged by kinesis-local: `kpipe generate`'s Kinesis sink (4 batches in flight)
 * beside bare sequential PutRecords calls of 500 pre-rendered records. The emulator is the ceiling.
 */
async function kinesisLocalBench(template: ReturnType<typeof compileTemplate>): Promise<void> {
  const emulator = await startKinesisLocal();
  try {
    const overrides = localOverrides(emulator.endpoint);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_KINESIS: emulator.endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    });
    const client = createKinesisClient({ env: {}, overrides });
    await createStreamAndWait(client, 'bench', 4);
    const count = 4000;
    const rendered = Array.from({ length: count }, () => Buffer.from(template.render()));
    const { kinesisSink } = awsSinks();
    await runBench({
      name: 'kpipe generate -> kinesis-local (concurrency 4)',
      unit: 'records',
      unitsPerCall: count,
      rounds: 3,
      subject: () =>
        generate({
          template,
          sink: kinesisSink!({ streamName: 'bench' }, { aggregate: false }),
          count,
          concurrency: 4,
        }),
      baseline: async () => {
        for (let start = 0; start < count; start += 500) {
          const Records = rendered
            .slice(start, start + 500)
            .map((Data, i) => ({ Data, PartitionKey: `key-${start + i}` }));
          await client.send(new PutRecordsCommand({ StreamName: 'bench', Records }));
        }
      },
      baselineName: 'bare PutRecords loop, 500 per call',
    });
  } finally {
    await emulator.stop();
  }
}
