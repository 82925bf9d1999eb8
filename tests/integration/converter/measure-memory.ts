/**
 * Peak RSS of the parquetConverter handler converting one 200 MB JSON-lines object end to end (GetObject
 * stream → Parquet → multipart upload) against s3rver. Not part of `npm test` (it takes a minute):
 *
 *   npx tsx tests/integration/converter/measure-memory.ts            # 200 MB JSON lines
 *   MEASURE_GZIP=1 npx tsx tests/integration/converter/measure-memory.ts  # the same, gzip'd (as Firehose writes)
 *   MEASURE_MB=50 MEASURE_LAMBDA_MB=0 npx tsx ...                     # another size; V8's default heap flags
 *   MEASURE_PIPELINE=path/to/pipeline.yml npx tsx ...                 # another `conversion:` block
 *
 * s3rver and the input generation run in this process; the handler runs in a forked child, so the figure
 * is the handler's own process (what Lambda reports as Max Memory Used). Uses pipeline.yml's `conversion:`.
 * The child gets the V8 heap flags Lambda's Node.js bootstrap derives from the function's memory
 * (new space = memory/10, semi space = half of it, old space = the rest), MEASURE_LAMBDA_MB (default 1024).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { createS3Client } from '../../../lib/aws/clients';
import type { ConverterResult } from '../../../lib/converter';
import { s3ObjectCreatedEvent } from '../../../lib/events/factories';
import { uploadObject } from '../../../lib/sinks/s3-upload';
import { clickEvent, purchaseEvent } from '../../fixtures/clickstream';
import {
  createBucket,
  localOverrides,
  startS3rver,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
} from '../support/emulators';

const BUCKET = 'converter-memory';
const TARGET_BYTES = Number(process.env.MEASURE_MB ?? 200) * 1024 * 1024;
const GZIP = process.env.MEASURE_GZIP === '1';
const LAMBDA_MB = Number(process.env.MEASURE_LAMBDA_MB ?? 1024);

/** As the Lambda Node.js runtime's bootstrap script sets them for a function of `memory` MB. */
function lambdaHeapFlags(memory: number): string[] {
  if (memory <= 0) return [];
  const newSpace = Math.floor(memory / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memory - newSpace}`];
}

interface ChildReport {
  result: ConverterResult;
  rssAfterColdStartMB: number;
  peakRssMB: number;
  seconds: number;
}

/** Varied clickstream records (page views, searches, purchases with items), about 600 bytes each. */
async function writeInput(file: string): Promise<{ bytes: number; records: number }> {
  const out = createWriteStream(file);
  let bytes = 0;
  let records = 0;
  let batch = '';
  while (bytes < TARGET_BYTES) {
    const record =
      records % 5 === 4
        ? purchaseEvent(records)
        : clickEvent(records, {
            search_query: records % 5 === 2 ? `running shoes size ${records % 13}` : undefined,
            device: {
              type: 'desktop',
              os: 'Windows',
              browser: 'Chrome',
              user_agent:
                'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
            },
          });
    batch += `${JSON.stringify(record)}\n`;
    records += 1;
    if (batch.length >= 1 << 20) {
      bytes += Buffer.byteLength(batch);
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
  return { bytes: statSync(file).size, records };
}

async function child(): Promise<void> {
  const { handler } = await import('../../../functions/parquet-converter');
  const rssAfterColdStartMB = process.memoryUsage().rss / 2 ** 20;
  const started = process.hrtime.bigint();
  const event = JSON.parse(process.env.MEASURE_EVENT as string) as Parameters<typeof handler>[0];
  const result = (await handler(event, {
    functionName: 'parquetConverter',
    awsRequestId: 'measure',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:parquetConverter',
    memoryLimitInMB: '1024',
    getRemainingTimeInMillis: () => 900_000,
  } as never)) as ConverterResult;
  const report: ChildReport = {
    result,
    rssAfterColdStartMB,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
  process.send?.(report);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'converter-memory-'));
  const emulator = await startS3rver();
  try {
    const s3 = createS3Client({ env: {}, overrides: localOverrides(emulator.endpoint) });
    await createBucket(s3, BUCKET);
    const file = join(dir, 'input.jsonl');
    const input = await writeInput(file);
    let body = file;
    if (GZIP) {
      body = `${file}.gz`;
      await pipeline(createReadStream(file), createGzip(), createWriteStream(body));
    }
    const key = `raw/event_type=click/dt=2026-11-22/memory-measure${GZIP ? '.gz' : ''}`;
    const size = statSync(body).size;
    await uploadObject(s3, {
      bucket: BUCKET,
      key,
      body: createReadStream(body),
      encryption: { mode: 'none' },
    });
    const event = s3ObjectCreatedEvent([{ bucket: BUCKET, key, size }]);
    const heapFlags = lambdaHeapFlags(LAMBDA_MB);
    const worker = fork(__filename, [], {
      execArgv: [...process.execArgv, ...heapFlags],
      env: {
        ...process.env,
        MEASURE_CHILD: '1',
        MEASURE_EVENT: JSON.stringify(event),
        PIPELINE_FILE: resolve(process.env.MEASURE_PIPELINE ?? resolve(__dirname, '../../../pipeline.yml')),
        BUCKET_NAME: BUCKET,
        AWS_ENDPOINT_URL_S3: emulator.endpoint,
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
    });
    const [report] = (await once(worker, 'message')) as [ChildReport];
    await once(worker, 'exit');
    const object = report.result.objects[0]!;
    const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
    console.log(
      JSON.stringify(
        {
          input: `${mb(input.bytes)} MB JSON lines, ${input.records} records${GZIP ? `, gzip'd to ${mb(size)} MB` : ''}`,
          outcome: object.outcome,
          rows: object.rows,
          errors: object.errors,
          rowGroups: object.rowGroups,
          parquetMB: mb(object.bytesOut),
          seconds: Number(report.seconds.toFixed(1)),
          recordsPerSecond: Math.round(object.records / report.seconds),
          rssAfterColdStartMB: Math.round(report.rssAfterColdStartMB),
          peakRssMB: Math.round(report.peakRssMB),
          heapFlags: heapFlags.join(' ') || 'V8 defaults',
        },
        null,
        2,
      ),
    );
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.MEASURE_CHILD === '1') void child();
else void main();
