/**
 * lib/records hot paths beside bare baselines:
 *  (a) decode + parse + validate 10,000 clickstream records vs Buffer.from(base64) + JSON.parse,
 *      and the same without validation, which isolates what strict decoding and safe parsing cost;
 *  (b) KPL de-aggregation of the same 10,000 records vs aws-kinesis-agg's deaggregateSync (checksums on).
 */
import * as kinesisAgg from 'aws-kinesis-agg';
import { aggregate, createJsonParser, decodeBase64, deaggregate } from '../lib/records';
import { compileValidator } from '../lib/schema/validate';
import schema from '../schemas/clickstream.schema.json';
import { clickstreamEvents, toBase64Json } from '../tests/unit/records/factories';
import { runBench } from './harness';

const RECORDS = 10_000;
/** The KPL's default AggregationMaxSize. */
const KPL_AGGREGATE_BYTES = 51_200;
const SEQUENCE_NUMBER = '49590338271490256608559692538361571095921575989136588898';

function expectCount(actual: number, expected: number, what: string): number {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`);
  return actual;
}

export default async function recordsBench(): Promise<void> {
  const events = clickstreamEvents(RECORDS, 1);
  const encoded = events.map(toBase64Json);
  const validate = compileValidator(schema);
  const parser = createJsonParser();

  const bare = (): number => {
    let parsed = 0;
    for (const text of encoded) {
      if (JSON.parse(Buffer.from(text, 'base64').toString('utf8')) !== null) parsed += 1;
    }
    return expectCount(parsed, RECORDS, 'bare');
  };

  await runBench({
    name: 'records: decodeBase64 + parseJsonRecords + validate (clickstream)',
    unitsPerCall: RECORDS,
    unit: 'records',
    baselineName: 'Buffer.from(base64) + JSON.parse, no validation',
    baseline: bare,
    subject: () => {
      let valid = 0;
      for (const text of encoded) {
        const bytes = decodeBase64(text);
        if (!bytes.ok) continue;
        const parsed = parser.records(bytes.value);
        if (!parsed.ok) continue;
        for (const object of parsed.value) if (validate(object).ok) valid += 1;
      }
      return expectCount(valid, RECORDS, 'decode + parse + validate');
    },
  });

  await runBench({
    name: 'records: decodeBase64 + parseJsonRecords (no validation)',
    unitsPerCall: RECORDS,
    unit: 'records',
    baselineName: 'Buffer.from(base64) + JSON.parse',
    baseline: bare,
    subject: () => {
      let parsed = 0;
      for (const text of encoded) {
        const bytes = decodeBase64(text);
        if (!bytes.ok) continue;
        const objects = parser.records(bytes.value);
        if (objects.ok) parsed += objects.value.length;
      }
      return expectCount(parsed, RECORDS, 'decode + parse');
    },
  });

  // Producers aggregate per shard with the KPL's default size; here one shard, ~70 user records each.
  const aggregates = aggregate(
    events.map((event) => ({ partitionKey: event.customer_id as string, data: JSON.stringify(event) })),
    {
      maxBytes: KPL_AGGREGATE_BYTES,
      shards: [{ startingHashKey: '0', endingHashKey: (2n ** 128n - 1n).toString() }],
    },
  ).map((entry) => ({
    data: entry.data.toString('base64'),
    partitionKey: entry.partitionKey,
    sequenceNumber: SEQUENCE_NUMBER,
    kinesisSchemaVersion: '1.0',
    approximateArrivalTimestamp: 1_700_000_000,
  }));

  await runBench({
    name: `records: decodeBase64 + deaggregate (${aggregates.length} KPL aggregates)`,
    unitsPerCall: RECORDS,
    unit: 'user records',
    baselineName: 'aws-kinesis-agg deaggregateSync, checksums on',
    baseline: () => {
      let count = 0;
      for (const record of aggregates) {
        kinesisAgg.deaggregateSync(record, true, (error, userRecords) => {
          if (error) throw error;
          count += userRecords?.length ?? 0;
        });
      }
      return expectCount(count, RECORDS, 'aws-kinesis-agg');
    },
    subject: () => {
      let count = 0;
      for (const record of aggregates) {
        const bytes = decodeBase64(record.data);
        if (!bytes.ok) continue;
        const result = deaggregate(bytes.value);
        if (result.ok && result.aggregated) count += result.records.length;
      }
      return expectCount(count, RECORDS, 'deaggregate');
    },
  });
}
