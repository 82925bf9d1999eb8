/**
 * The converter caps what one gzip object may inflate to (conversion.maxDecompressedBytes): a gzip bomb
 * fails the object with a named reason, keeps the raw object and writes no Parquet, empty or not.
 */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import {
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createParquetConverter, type ParquetConverter } from '../../../lib/converter';
import { s3ObjectCreatedEvent } from '../../../lib/events/factories';
import { CONVERSION_DEFAULTS } from '../../../lib/parquet';
import { parsePipeline } from '../../../lib/pipeline/load';
import { clickEvent } from '../../fixtures/clickstream';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const BUCKET = 'lake';
const KEY = 'raw/dt=2026-11-22/bomb-1.gz';
const MiB = 1024 * 1024;

function converter(maxDecompressedBytes?: number): ParquetConverter {
  const cap = maxDecompressedBytes === undefined ? '' : `\n  maxDecompressedBytes: ${maxDecompressedBytes}`;
  const pipeline = parsePipeline(
    `name: unit
stream: { name: s }
record: { schema: ${resolve('schemas/clickstream.schema.json')} }
conversion:
  inputPrefix: raw/
  outputPrefix: curated/
  errorPrefix: errors/conversion/${cap}
`,
    '/virtual/pipeline.yml',
  );
  return createParquetConverter(pipeline, { bucket: BUCKET, client, now: () => new Date() });
}

/** Stream-compresses `size` bytes of `fill` (1 MiB at a time, never held whole): one gzip member. */
async function gzipMember(size: number, fill: string): Promise<Buffer> {
  const block = Buffer.alloc(MiB, fill);
  async function* blocks(): AsyncGenerator<Buffer> {
    for (let left = size; left > 0; left -= MiB) yield left >= MiB ? block : block.subarray(0, left);
  }
  return buffer(Readable.from(blocks()).pipe(createGzip({ level: 9 })));
}

/** `copies` members concatenated (`cat a.gz a.gz …`): copies × memberSize bytes inflated, tiny on disk. */
async function bomb(memberSize: number, copies: number, fill = '\n'): Promise<Buffer> {
  const member = await gzipMember(memberSize, fill);
  return Buffer.concat(Array.from({ length: copies }, () => member));
}

/** Serves `body`; `served()` tells how many of its bytes the converter pulled before it stopped. */
function serve(body: Buffer): { served: () => number } {
  let served = 0;
  s3.on(GetObjectCommand).callsFake(() => {
    served = 0;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let at = 0; at < body.length; at += 4096) {
        const chunk = body.subarray(at, at + 4096);
        served += chunk.length;
        yield chunk;
      }
    }
    return { Body: Readable.from(chunks()), ContentLength: body.length };
  });
  return { served: () => served };
}

function puts(): Map<string, Buffer> {
  return new Map(
    s3
      .commandCalls(PutObjectCommand)
      .map((call) => [call.args[0].input.Key!, Buffer.from(call.args[0].input.Body as Uint8Array)]),
  );
}

/** JSON lines of click events padded with spaces to exactly `size` bytes (a trailing blank line). */
function linesOfSize(size: number): Buffer {
  const records: string[] = [];
  let length = 0;
  for (let i = 1; length < size - 2048; i += 1) {
    const line = `${JSON.stringify(clickEvent(i))}\n`;
    records.push(line);
    length += line.length;
  }
  const text = records.join('') + ' '.repeat(size - length - 1) + '\n';
  expect(Buffer.byteLength(text)).toBe(size);
  return Buffer.from(text);
}

const event = () => s3ObjectCreatedEvent([{ bucket: BUCKET, key: KEY, size: 1 }]);

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
});
afterAll(() => s3.restore());

describe('a gzip bomb', () => {
  it('fails the object with DecompressedTooLarge, keeps it, writes no Parquet and stops reading', async () => {
    // Prepare: 256 MiB of newlines in about 260 KB, against a 1 MiB cap
    const body = await bomb(16 * MiB, 16);
    expect(body.length).toBeLessThan(300 * 1024);
    const source = serve(body);

    // Act
    const result = await converter(MiB)(event());

    // Assess: one error line naming the cause and the way out; nothing under curated/
    const written = puts();
    expect([...written.keys()]).toEqual([expect.stringMatching(/^errors\/conversion\/.*\.jsonl\.gz$/)]);
    expect(s3).not.toHaveReceivedCommand(CreateMultipartUploadCommand);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
    const line = JSON.parse(gunzipSync([...written.values()][0]!).toString()) as Record<string, unknown>;
    expect(line).toMatchObject({
      reason: 'format-conversion-failed',
      code: 'DataFormatConversion.DecompressedTooLarge',
      sourceKey: KEY,
      rawData: '',
    });
    expect(line.message).toBe(
      `s3://${BUCKET}/${KEY} decompresses to more than ${MiB} bytes; no record of it was converted, the raw object is kept (raise conversion.maxDecompressedBytes or split the object if it is genuine)`,
    );
    expect(result.objects).toEqual([
      expect.objectContaining({
        outcome: 'object-failed',
        errors: 1,
        errorsByCode: { 'DataFormatConversion.DecompressedTooLarge': 1 },
        rows: 0,
      }),
    ]);
    // Reading stopped near the cap (1/256 of the inflated size), read-ahead included: not an eighth was read.
    expect(source.served()).toBeLessThan(body.length / 8);
  });
});

describe('the cap is on inflated bytes of gzip input only', () => {
  const cap = 256 * 1024;

  it('an object inflating to exactly the cap converts', async () => {
    const text = linesOfSize(cap);
    serve(gzipSync(text));

    const result = await converter(cap)(event());

    expect(result.objects[0]).toMatchObject({ outcome: 'converted', errors: 0, bytesDecompressed: cap });
    expect(result.rows).toBeGreaterThan(100);
    expect([...puts().keys()]).toEqual(['curated/dt=2026-11-22/bomb-1.parquet']);
  });

  it('one byte more fails', async () => {
    serve(gzipSync(Buffer.concat([linesOfSize(cap), Buffer.from('\n')])));

    const result = await converter(cap)(event());

    expect(result.objects[0]).toMatchObject({ outcome: 'object-failed', rows: 0 });
    expect([...puts().keys()]).toEqual([expect.stringMatching(/^errors\/conversion\//)]);
  });

  it('an uncompressed object over the cap converts (its size on S3 is what it costs)', async () => {
    serve(linesOfSize(cap + 1024));

    const result = await converter(cap)(event());

    expect(result.objects[0]).toMatchObject({ outcome: 'converted', errors: 0 });
  });
});

describe('the option', () => {
  it('defaults to 512 MiB, the value the schema documents', async () => {
    const schema = (await import('../../../schemas/pipeline/conversion.schema.json')).default as {
      properties: { maxDecompressedBytes: { default: number } };
    };
    expect(CONVERSION_DEFAULTS.maxDecompressedBytes).toBe(512 * MiB);
    expect(schema.properties.maxDecompressedBytes.default).toBe(CONVERSION_DEFAULTS.maxDecompressedBytes);
  });

  it.each([
    ['below 1024', 1000],
    ['not an integer', 2048.5],
  ])('refuses a value %s, naming the field', (_name, value) => {
    expect(() => converter(value)).toThrow(/maxDecompressedBytes/);
  });
});
