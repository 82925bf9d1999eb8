/**
 * s3rver lists buckets of more than one page: its continuation tokens use single DES, which OpenSSL 3 keeps
 * in its legacy provider, and lib/local/s3rver-server.cjs gives it an equivalent. Without that, a run whose
 * bucket passed 1,000 objects (a 30-minute --follow run) could not mirror it: InternalError.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../../lib/aws/clients';
import { mirrorBucket } from '../../../lib/local/reconcile';
import { createBucket, localOverrides, startS3rver, type S3Emulator } from '../support/emulators';

const BUCKET = 'listing';
const OBJECTS = 1_001;
let emulator: S3Emulator;
let s3: S3Client;

beforeAll(async () => {
  emulator = await startS3rver();
  s3 = createS3Client({ env: {}, overrides: localOverrides(emulator.endpoint) });
  await createBucket(s3, BUCKET);
  const keys = Array.from({ length: OBJECTS }, (_, i) => `part/${String(i).padStart(4, '0')}.json`);
  for (let start = 0; start < keys.length; start += 50) {
    await Promise.all(
      keys
        .slice(start, start + 50)
        .map((Key) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: `{"key":"${Key}"}` }))),
    );
  }
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await emulator?.stop();
});

it('pages through ListObjectsV2 with continuation tokens', async () => {
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'part/00', MaxKeys: 30, ContinuationToken: token }),
    );
    seen.push(...(page.Contents ?? []).map((object) => object.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    pages += 1;
  } while (token);
  expect(pages).toBe(4); // part/0000 … part/0099: 100 keys, 30 a page
  expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => `part/${String(i).padStart(4, '0')}.json`));
});

it('mirrors a bucket of more than 1,000 objects, each once', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'mirror-'));
  try {
    const mirrored = await mirrorBucket(s3, BUCKET, directory);
    expect(mirrored).toHaveLength(OBJECTS);
    expect(new Set(mirrored.map((object) => object.key)).size).toBe(OBJECTS);
    const last = mirrored.find((object) => object.key === 'part/1000.json')!;
    expect(readFileSync(last.file, 'utf8')).toBe('{"key":"part/1000.json"}');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
