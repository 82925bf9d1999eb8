/**
 * The Parquet converter against s3rver: raw objects are put as Firehose writes them, the real handler is
 * invoked with the S3 event, and DuckDB reads the Parquet back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createS3Client } from '../../../lib/aws/clients';
import type { ConverterResult } from '../../../lib/converter';
import { s3ObjectCreatedEvent } from '../../../lib/events/factories';
import { clickEvent, purchaseEvent } from '../../fixtures/clickstream';
import {
  createBucket,
  localOverrides,
  startS3rver,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type S3Emulator,
} from '../support/emulators';

const BUCKET = 'converter-it';
const PARTITION = 'event_type=click/dt=2026-11-22';
let s3Emulator: S3Emulator;
let s3: S3Client;
let duckdb: DuckDBConnection;
let closeDuckdb: () => void;
const workDir = mkdtempSync(join(tmpdir(), 'converter-it-'));
type Handler = (event: S3Event, context: Context) => Promise<ConverterResult>;
let handler: Handler;

const context = {
  functionName: 'parquetConverter',
  awsRequestId: 'it-request',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:parquetConverter',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

function writePipeline(): string {
  const file = join(workDir, 'pipeline.yml');
  writeFileSync(
    file,
    `name: converter-it
stream: { name: converter-it }
record: { schema: ${resolve('schemas/clickstream.schema.json')} }
conversion:
  inputPrefix: raw/
  outputPrefix: curated/
  errorPrefix: errors/format-conversion-failed/
  rowGroupSize: 50
`,
  );
  return file;
}

beforeAll(async () => {
  s3Emulator = await startS3rver();
  s3 = createS3Client({ env: {}, overrides: localOverrides(s3Emulator.endpoint) });
  await createBucket(s3, BUCKET);
  const instance = await DuckDBInstance.create(':memory:');
  duckdb = await instance.connect();
  closeDuckdb = () => {
    duckdb.closeSync();
    instance.closeSync();
  };
  // The handler reads its configuration from the environment at cold start, as in Lambda.
  Object.assign(process.env, {
    PIPELINE_FILE: writePipeline(),
    BUCKET_NAME: BUCKET,
    AWS_ENDPOINT_URL_S3: s3Emulator.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // The corrupt-object test logs at ERROR on purpose.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  handler = (await import('../../../functions/parquet-converter')).handler as unknown as Handler;
}, 60_000);

afterAll(async () => {
  closeDuckdb?.();
  await s3Emulator?.stop();
});

async function put(key: string, body: Buffer | string): Promise<number> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return Buffer.byteLength(body);
}

async function invoke(...objects: { key: string; size: number }[]): Promise<ConverterResult> {
  const event = s3ObjectCreatedEvent(objects.map((object) => ({ bucket: BUCKET, ...object })));
  return handler(event, context);
}

async function keys(prefix: string): Promise<string[]> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listing.Contents ?? []).map((object) => object.Key!).sort();
}

async function bytesOf(key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

let downloads = 0;
/** The Parquet object read by DuckDB (from a local copy: s3rver speaks no DuckDB-compatible auth). */
async function parquetRows(key: string, columns: string): Promise<Record<string, unknown>[]> {
  downloads += 1;
  const file = join(workDir, `download-${downloads}.parquet`);
  writeFileSync(file, await bytesOf(key));
  const reader = await duckdb.runAndReadAll(`SELECT ${columns} FROM '${file}' ORDER BY event_id`);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

async function errorLines(key: string): Promise<Record<string, unknown>[]> {
  const text = gunzipSync(await bytesOf(key)).toString('utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const jsonLines = (records: readonly unknown[]): string =>
  records.map((record) => (typeof record === 'string' ? record : JSON.stringify(record))).join('\n') + '\n';

describe('a Firehose object with good and bad records', () => {
  // A space and '=' in the key: the S3 event carries it URL-encoded ('+', '%3D').
  const stem = 'clickstream delivery-1-2026-11-22-12-05-00-5b1c';
  const rawKey = `raw/${PARTITION}/${stem}.gz`;
  const good = [...Array.from({ length: 120 }, (_, i) => clickEvent(i)), purchaseEvent(500)];
  const bad = [
    { line: 'not json at all', code: 'DataFormatConversion.ParseError' },
    { line: '[1, 2, 3]', code: 'DataFormatConversion.ParseError' },
    {
      line: JSON.stringify(clickEvent(900, { timestamp: 'yesterday' })),
      code: 'DataFormatConversion.MalformedData',
    },
    {
      line: JSON.stringify(clickEvent(901, { device: undefined })),
      code: 'DataFormatConversion.MalformedData',
    },
  ];
  // Bad records in the middle, so the rest of the object converts around them.
  const lines = [...good.slice(0, 60), ...bad.map((entry) => entry.line), ...good.slice(60)];
  let first: ConverterResult;

  beforeAll(async () => {
    const size = await put(rawKey, gzipSync(jsonLines(lines)));
    first = await invoke({ key: rawKey, size });
  });

  it('writes the good records as Parquet under the curated prefix, keeping the partition path', async () => {
    const outputKey = `curated/${PARTITION}/${stem}.parquet`;
    expect(await keys('curated/')).toEqual([outputKey]);
    const rows = await parquetRows(
      outputKey,
      'event_id, event_type, "timestamp"::VARCHAR AS ts, device.type AS device',
    );
    expect(rows.map((row) => row.event_id)).toEqual(good.map((record) => record.event_id).sort());
    const sample = rows.find((row) => row.event_id === good[3]!.event_id)!;
    expect(sample).toMatchObject({ event_type: good[3]!.event_type, device: 'mobile' });
    expect(new Date(String(sample.ts)).toISOString()).toBe(good[3]!.timestamp);
  });

  it('writes each bad record to the error prefix with its code, reason and raw data', async () => {
    const errorKey = `errors/format-conversion-failed/${PARTITION}/${stem}.jsonl.gz`;
    expect(await keys('errors/')).toEqual([errorKey]);
    const written = await errorLines(errorKey);
    expect(written.map((line) => line.code)).toEqual(bad.map((entry) => entry.code));
    expect(written.map((line) => Buffer.from(String(line.rawData), 'base64').toString('utf8'))).toEqual(
      bad.map((entry) => entry.line),
    );
    expect(written.map((line) => line.recordNumber)).toEqual([61, 62, 63, 64]);
    for (const line of written) {
      expect(line).toMatchObject({ reason: 'format-conversion-failed', sourceKey: rawKey });
      expect(line.message).toMatch(/^record \d+/);
    }
  });

  it('reports counts per outcome', () => {
    expect(first.objects).toEqual([
      expect.objectContaining({
        outcome: 'converted',
        key: rawKey,
        records: lines.length,
        rows: good.length,
        errors: bad.length,
        errorsByCode: { 'DataFormatConversion.ParseError': 2, 'DataFormatConversion.MalformedData': 2 },
        inputCompression: 'gzip',
        rowGroups: 3,
      }),
    ]);
    expect(first.objects[0]!.bytesOut).toBeGreaterThan(0);
    expect(first.objects[0]!.peakRssMb).toBeGreaterThan(0);
  });

  it('overwrites its output when invoked again (one Parquet object, one error object)', async () => {
    const before = await Promise.all([keys('curated/'), keys('errors/')]);
    const again = await invoke({ key: rawKey, size: 0 });
    expect(again.rows).toBe(first.rows);
    expect(await Promise.all([keys('curated/'), keys('errors/')])).toEqual(before);
  });
});

describe.each([
  [
    'concatenated pretty-printed objects, not compressed',
    'batch.json',
    (records: object[]) => records.map((record) => JSON.stringify(record, null, 2)).join(''),
  ],
  ['JSON lines, not compressed', 'batch', (records: object[]) => jsonLines(records)],
])('%s', (_name, fileName, encode) => {
  it('converts every record', async () => {
    const key = `raw/event_type=search/dt=2026-11-23/${fileName}`;
    const records = Array.from({ length: 7 }, (_, i) => clickEvent(1000 + i, { event_type: 'search' }));
    const size = await put(key, encode(records));
    const result = await invoke({ key, size });
    expect(result).toMatchObject({ rows: records.length, errors: 0 });
    const rows = await parquetRows(`curated/event_type=search/dt=2026-11-23/batch.parquet`, 'event_id');
    expect(rows.map((row) => row.event_id)).toEqual(records.map((record) => record.event_id));
  });
});

describe('objects that cannot be converted', () => {
  it('turns a corrupt gzip into one error record for the object and returns normally', async () => {
    const key = `raw/event_type=click/dt=2026-11-24/corrupt.gz`;
    const valid = gzipSync(jsonLines([clickEvent(1), clickEvent(2)]));
    const corrupt = Buffer.concat([valid.subarray(0, 10), Buffer.from('this is not deflate data at all')]);
    const size = await put(key, corrupt);
    const result = await invoke({ key, size });
    expect(result.objects).toEqual([
      expect.objectContaining({
        outcome: 'object-failed',
        errors: 1,
        errorsByCode: { 'DataFormatConversion.DecompressionFailed': 1 },
      }),
    ]);
    expect(await keys('curated/event_type=click/dt=2026-11-24/')).toEqual([]);
    const written = await errorLines(
      'errors/format-conversion-failed/event_type=click/dt=2026-11-24/corrupt.jsonl.gz',
    );
    expect(written).toEqual([
      expect.objectContaining({
        code: 'DataFormatConversion.DecompressionFailed',
        sourceKey: key,
        rawData: '',
      }),
    ]);
  });

  it.each([
    ['the converter output', 'curated/event_type=click/dt=2026-11-22/x.parquet', 'converter-output'],
    ['the error output', 'errors/format-conversion-failed/x.jsonl.gz', 'converter-error-output'],
    ['another prefix', 'consumer/x.jsonl.gz', 'outside-input-prefix'],
    ['a deleted object', 'raw/event_type=click/dt=2026-11-25/gone.gz', 'object-missing'],
  ])('skips %s with its reason', async (_name, key, reason) => {
    const before = await Promise.all([keys('curated/'), keys('errors/')]);
    const result = await invoke({ key, size: 1 });
    expect(result.objects).toEqual([
      expect.objectContaining({ outcome: 'skipped', skipReason: reason, key }),
    ]);
    expect(await Promise.all([keys('curated/'), keys('errors/')])).toEqual(before);
  });
});

it('converts every object of an event with several records', async () => {
  const objects = await Promise.all(
    ['a', 'b'].map(async (name, i) => {
      const key = `raw/event_type=page_view/dt=2026-11-26/${name}.gz`;
      const size = await put(key, gzipSync(jsonLines([clickEvent(2000 + i, { event_type: 'page_view' })])));
      return { key, size };
    }),
  );
  const result = await invoke(...objects);
  expect(result.objects.map((object) => object.outcome)).toEqual(['converted', 'converted']);
  expect(await keys('curated/event_type=page_view/dt=2026-11-26/')).toEqual([
    'curated/event_type=page_view/dt=2026-11-26/a.parquet',
    'curated/event_type=page_view/dt=2026-11-26/b.parquet',
  ]);
});
