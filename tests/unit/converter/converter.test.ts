import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  ConversionRetryError,
  createParquetConverter,
  type ConverterResult,
  type ParquetConverter,
} from '../../../lib/converter';
import { s3ObjectCreatedEvent } from '../../../lib/events/factories';
import { PipelineConfigError, parsePipeline } from '../../../lib/pipeline/load';
import { clickEvent } from '../../fixtures/clickstream';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const BUCKET = 'lake';
const KEY = 'raw/event_type=click/dt=2026-11-22/stream-1-2026-11-22-12-00-00-abc.gz';
const NOW = new Date('2026-11-22T12:30:00Z');

function pipeline(
  conversion = 'inputPrefix: raw/\n  outputPrefix: curated/\n  errorPrefix: errors/conversion/',
) {
  return parsePipeline(
    `name: unit
stream: { name: s }
record: { schema: ${resolve('schemas/clickstream.schema.json')} }
conversion:
  ${conversion}
`,
    '/virtual/pipeline.yml',
  );
}

function converter(bucket: string | undefined = BUCKET): ParquetConverter {
  return createParquetConverter(pipeline(), { bucket, client, now: () => NOW });
}

const lines = (records: unknown[]): string =>
  records.map((record) => (typeof record === 'string' ? record : JSON.stringify(record))).join('\n') + '\n';

/** GetObject answers with this body (a fresh stream per call); ContentLength as S3 would send it. */
function serve(body: Buffer, contentLength = body.length): void {
  s3.on(GetObjectCommand).callsFake(() => ({
    Body: Readable.from([
      body.subarray(0, Math.ceil(body.length / 2)),
      body.subarray(Math.ceil(body.length / 2)),
    ]),
    ContentLength: contentLength,
  }));
}

function event(...keys: string[]) {
  return s3ObjectCreatedEvent(keys.map((key) => ({ bucket: BUCKET, key, size: 1 })));
}

/** What was put, by key (single-part uploads: every body here is far below the 8 MiB part size). */
function puts(): Map<string, Buffer> {
  return new Map(
    s3
      .commandCalls(PutObjectCommand)
      .map((call) => [call.args[0].input.Key!, Buffer.from(call.args[0].input.Body as Uint8Array)]),
  );
}

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
});
afterAll(() => s3.restore());

describe('at cold start', () => {
  it.each([
    [
      'an output prefix inside the input prefix',
      'inputPrefix: raw/\n  outputPrefix: raw/curated/\n  errorPrefix: errors/',
      /conversion.outputPrefix: 'raw\/curated\/' is inside inputPrefix/,
    ],
    [
      'an error prefix equal to the input prefix',
      'inputPrefix: raw/\n  outputPrefix: curated/\n  errorPrefix: raw/',
      /conversion.errorPrefix: must differ from inputPrefix/,
    ],
  ])('refuses %s, naming the field', (_name, block, message) => {
    expect(() => createParquetConverter(pipeline(block), { bucket: BUCKET, client })).toThrow(message);
  });

  it('refuses a pipeline without a conversion block', () => {
    const loaded = pipeline();
    delete loaded.config.conversion;
    expect(() => createParquetConverter(loaded, { bucket: BUCKET, client })).toThrow(PipelineConfigError);
  });
});

describe('one object', () => {
  it('writes Parquet at the derived key and the bad records as gzip JSON lines beside it', async () => {
    // Prepare
    serve(
      gzipSync(lines([clickEvent(1), '{"broken', clickEvent(2, { timestamp: 'yesterday' }), clickEvent(3)])),
    );

    // Act
    const result = await converter()(event(KEY));

    // Assess
    const written = puts();
    const parquet = written.get(
      'curated/event_type=click/dt=2026-11-22/stream-1-2026-11-22-12-00-00-abc.parquet',
    )!;
    expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    const errorKey =
      'errors/conversion/event_type=click/dt=2026-11-22/stream-1-2026-11-22-12-00-00-abc.jsonl.gz';
    const errorLines = gunzipSync(written.get(errorKey)!)
      .toString()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(errorLines).toEqual([
      {
        reason: 'format-conversion-failed',
        code: 'DataFormatConversion.ParseError',
        message: expect.stringMatching(/^record 2 is not valid JSON/),
        sourceKey: KEY,
        recordNumber: 2,
        rawData: Buffer.from('{"broken').toString('base64'),
        failedAt: NOW.toISOString(),
      },
      expect.objectContaining({ code: 'DataFormatConversion.MalformedData', recordNumber: 3 }),
    ]);
    expect(result.objects).toEqual([
      expect.objectContaining({
        outcome: 'converted',
        records: 4,
        rows: 2,
        errors: 2,
        errorsByCode: { 'DataFormatConversion.ParseError': 1, 'DataFormatConversion.MalformedData': 1 },
        errorKey,
      }),
    ]);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Key: expect.stringMatching(/\.parquet$/) as unknown as string,
      ContentType: 'application/vnd.apache.parquet',
      ServerSideEncryption: 'AES256',
    });
  });

  it('writes no error object when every record converts', async () => {
    serve(Buffer.from(lines([clickEvent(1)])));

    const result = await converter()(event(KEY));

    expect([...puts().keys()]).toEqual([expect.stringMatching(/^curated\/.*\.parquet$/)]);
    expect(result.objects[0]).not.toHaveProperty('errorKey');
  });

  it('reads and writes the bucket the event names when no bucket is configured', async () => {
    serve(Buffer.from(lines([clickEvent(1)])));

    await converter(undefined)(event(KEY));

    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: KEY });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: BUCKET });
  });
});

describe('bad objects return normally with one error record', () => {
  const valid = gzipSync(lines([clickEvent(1), clickEvent(2)]));
  it.each([
    ['corrupt deflate data', Buffer.concat([valid.subarray(0, 10), Buffer.alloc(40, 0xff)])],
    ['a truncated gzip, read to its end', valid.subarray(0, valid.length - 12)],
  ])('%s', async (_name, body) => {
    // Prepare
    serve(body);

    // Act
    const result = await converter()(event(KEY));

    // Assess: no Parquet, one error line naming the object
    const written = puts();
    expect([...written.keys()]).toEqual([expect.stringMatching(/^errors\/conversion\/.*\.jsonl\.gz$/)]);
    const line = JSON.parse(gunzipSync([...written.values()][0]!).toString()) as Record<string, unknown>;
    expect(line).toMatchObject({
      code: 'DataFormatConversion.DecompressionFailed',
      sourceKey: KEY,
      rawData: '',
    });
    expect(line.message).toContain(`s3://${BUCKET}/${KEY} does not decompress`);
    expect(result.objects).toEqual([expect.objectContaining({ outcome: 'object-failed', errors: 1 })]);
  });
});

describe('S3 failures throw so the invocation is retried', () => {
  async function retryError(run: Promise<ConverterResult>): Promise<ConversionRetryError> {
    const error = await run.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConversionRetryError);
    return error as ConversionRetryError;
  }

  it('after converting the other objects of the event', async () => {
    // Prepare: the first object cannot be read, the second can
    s3.on(GetObjectCommand, { Key: 'raw/a.gz' }).rejects(
      Object.assign(new Error('slow down'), { name: 'SlowDown' }),
    );
    s3.on(GetObjectCommand, { Key: 'raw/b.gz' }).callsFake(() => ({
      Body: Readable.from([lines([clickEvent(1)])]),
    }));

    // Act
    const error = await retryError(converter()(event('raw/a.gz', 'raw/b.gz')));

    // Assess
    expect(error.message).toContain('s3://lake/raw/a.gz: SlowDown: slow down');
    expect(error.result.objects.map((object) => object.outcome)).toEqual(['retry', 'converted']);
    expect([...puts().keys()]).toEqual(['curated/b.parquet']);
  });

  it('when the Parquet upload fails', async () => {
    serve(Buffer.from(lines([clickEvent(1)])));
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('internal'), { name: 'InternalError' }));

    const error = await retryError(converter()(event(KEY)));

    expect(error.failures[0]!.message).toMatch(/InternalError|S3WriteError/);
  });

  it('when the error output cannot be written', async () => {
    serve(Buffer.from(lines(['not json', clickEvent(1)])));
    s3.on(PutObjectCommand).callsFake((input: { Key: string }) => {
      if (input.Key.startsWith('errors/')) throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
      return { ETag: '"e"' };
    });

    const error = await retryError(converter()(event(KEY)));

    expect(error.result.objects[0]).toMatchObject({
      outcome: 'retry',
      problem: expect.stringContaining('AccessDenied'),
    });
  });

  it('when the connection ends before the whole object arrived (not a corrupt object)', async () => {
    const body = gzipSync(lines([clickEvent(1), clickEvent(2)]));
    serve(body.subarray(0, body.length - 12), body.length);

    const error = await retryError(converter()(event(KEY)));

    expect(error.result.objects[0]!.outcome).toBe('retry');
    expect(puts().size).toBe(0);
  });
});

describe('skips with a reason', () => {
  it('an object deleted since the notification', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('gone'), { name: 'NoSuchKey' }));

    const result = await converter()(event(KEY));

    expect(result.objects).toEqual([
      expect.objectContaining({ outcome: 'skipped', skipReason: 'object-missing' }),
    ]);
    // The output was set up while the GetObject was in flight: dropped, it sent nothing.
    expect(puts().size).toBe(0);
    expect(s3).not.toHaveReceivedCommand(CreateMultipartUploadCommand);
  });

  it('not an object that cannot be read: retried, with no output left behind', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    const error = await converter()(event(KEY)).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ConversionRetryError);
    expect(puts().size).toBe(0);
    expect(s3).not.toHaveReceivedCommand(CreateMultipartUploadCommand);
  });

  it('a key with no file name to derive the output from', async () => {
    const result = await converter()(event('raw/dt=1/.gz'));

    expect(result.objects).toEqual([
      expect.objectContaining({
        outcome: 'skipped',
        skipReason: 'no-file-name',
        problem: expect.stringContaining('no file name'),
      }),
    ]);
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('its own output, without reading it', async () => {
    const result = await converter()(event('curated/a.parquet'));

    expect(result.objects).toEqual([
      expect.objectContaining({ outcome: 'skipped', skipReason: 'converter-output' }),
    ]);
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });
});

it('aborts the multipart upload of a large Parquet file when the object fails half-way', async () => {
  // Prepare: ~10 MB of uncompressed Parquet (above the 8 MiB part size), then a gzip member that is corrupt
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3.on(UploadPartCommand).resolves({ ETag: '"part"' });
  s3.on(AbortMultipartUploadCommand).resolves({});
  const records = Array.from({ length: 10_000 }, (_, i) =>
    clickEvent(i, { search_query: createHash('sha256').update(String(i)).digest('hex').repeat(16) }),
  );
  serve(Buffer.concat([gzipSync(lines(records)), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xff, 0xff])]));
  const convert = createParquetConverter(
    pipeline(
      'inputPrefix: raw/\n  outputPrefix: curated/\n  errorPrefix: errors/conversion/\n  compression: UNCOMPRESSED\n  rowGroupSize: 1000',
    ),
    { bucket: BUCKET, client },
  );

  // Act
  const result = await convert(event(KEY));

  // Assess
  expect(result.objects[0]!.outcome).toBe('object-failed');
  expect(s3).toHaveReceivedCommandWith(CreateMultipartUploadCommand, {
    Key: expect.stringMatching(/^curated\//),
  });
  expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { UploadId: 'upload-1' });
  expect([...puts().keys()].some((key) => key.startsWith('curated/'))).toBe(false);
});
