/**
 * The honest baseline of the consumer and firehose benches: what a team would write by hand for the sample
 * pipeline.yml, with none of the project's machinery. The same work: base64 and JSON.parse, Ajv validation
 * against the same record schema, the four transforms written out (drop heartbeats, timestamp to ISO, HMAC
 * mask of customer.email, add ingested_at), the partition keys (event_type, dt), and then gzip + one S3
 * PutObject per key set (consumer) or the Firehose response entries (transformer). No error output, no
 * per-record bookkeeping beyond what each needs to be correct on the bench's valid records.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

const gzipAsync = promisify(gzip);
type Json = Record<string, unknown>;

const schema = JSON.parse(
  readFileSync(resolve(__dirname, '..', 'schemas', 'clickstream.schema.json'), 'utf8'),
) as Json;

/** Ajv as its README shows it, on the pipeline's record schema. */
function compileSchema() {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** The sample pipeline's transforms by hand: undefined when the record is dropped. */
function handTransform(salt: string, ingestedAt: string) {
  return (record: Json): Json | undefined => {
    if (record.event_type === 'heartbeat') return undefined;
    if (typeof record.timestamp === 'string') record.timestamp = new Date(record.timestamp).toISOString();
    const customer = record.customer as Json | undefined;
    if (customer && typeof customer.email === 'string') {
      customer.email = createHmac('sha256', salt).update(customer.email).digest('hex');
    }
    record.ingested_at = ingestedAt;
    return record;
  };
}

const keysOf = (record: Json) => ({
  event_type: String(record.event_type),
  dt: String(record.timestamp).slice(0, 10),
});

/** The consumer by hand: Kinesis records → grouped JSON lines → gzip → PutObject per key set. */
export function handWrittenConsumer(client: S3Client, bucket: string, salt: string) {
  const validate = compileSchema();
  return async (records: readonly { kinesis: { data: string; sequenceNumber: string } }[]) => {
    const transform = handTransform(salt, new Date().toISOString());
    const groups = new Map<string, string[]>();
    let failed = 0;
    for (const { kinesis } of records) {
      const record = JSON.parse(Buffer.from(kinesis.data, 'base64').toString('utf8')) as Json;
      if (!validate(record)) {
        failed += 1;
        continue;
      }
      const out = transform(record);
      if (out === undefined) continue;
      const keys = keysOf(out);
      const prefix = `consumer/event_type=${keys.event_type}/dt=${keys.dt}/`;
      let lines = groups.get(prefix);
      if (!lines) groups.set(prefix, (lines = []));
      lines.push(JSON.stringify(out));
    }
    const last = records[records.length - 1]!.kinesis.sequenceNumber;
    await Promise.all(
      [...groups].map(async ([prefix, lines]) =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `${prefix}${last}.jsonl.gz`,
            Body: await gzipAsync(`${lines.join('\n')}\n`),
            ContentEncoding: 'gzip',
          }),
        ),
      ),
    );
    return { written: groups.size, failed };
  };
}

/** The Firehose transformer by hand: one response entry per record, partition keys in its metadata. */
export function handWrittenTransformer(salt: string) {
  const validate = compileSchema();
  return (event: { records: readonly { recordId: string; data: string }[] }) => {
    const transform = handTransform(salt, new Date().toISOString());
    return {
      records: event.records.map(({ recordId, data }) => {
        const record = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Json;
        if (!validate(record)) return { recordId, result: 'ProcessingFailed', data };
        const out = transform(record);
        if (out === undefined) return { recordId, result: 'Dropped', data };
        return {
          recordId,
          result: 'Ok',
          data: Buffer.from(`${JSON.stringify(out)}\n`).toString('base64'),
          metadata: { partitionKeys: keysOf(out) },
        };
      }),
    };
  };
}
