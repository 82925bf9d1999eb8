/**
 * Streamed uploads, a module of their own: `@aws-sdk/lib-storage` (11 KB in a bundle, kept whole by esbuild
 * once imported) is in the bundles of the functions that stream (the Parquet converter) only, not in those
 * that write with one PutObject (s3.ts).
 */
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { objectParams, S3WriteError, type PutObjectInput, type PutObjectResult } from './s3';

export interface UploadObjectInput extends Omit<PutObjectInput, 'body'> {
  body: Readable | Uint8Array | string;
  /** Multipart part size (default 8 MiB, S3 minimum 5 MiB); memory use is about partSize × queueSize. */
  partSizeBytes?: number;
  /** Parts uploaded in parallel (default 4). */
  queueSize?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * Streaming upload through `@aws-sdk/lib-storage` (multipart above one part, a single PutObject
 * below); a failed multipart upload is aborted so no parts are left behind.
 */
export async function uploadObject(client: S3Client, input: UploadObjectInput): Promise<PutObjectResult> {
  const partSize = input.partSizeBytes ?? 8 * 1024 * 1024;
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new Error(
      `uploadObject: partSizeBytes must be an integer >= ${MIN_PART_SIZE}, got ${String(partSize)}`,
    );
  }
  const queueSize = input.queueSize ?? 4;
  if (!Number.isSafeInteger(queueSize) || queueSize < 1) {
    throw new Error(`uploadObject: queueSize must be an integer >= 1, got ${String(queueSize)}`);
  }
  const upload = new Upload({
    client,
    params: { ...objectParams(input), Body: input.body },
    partSize,
    queueSize,
    leavePartsOnError: false,
  });
  try {
    const response = await upload.done();
    return { bucket: input.bucket, key: input.key, etag: response.ETag, versionId: response.VersionId };
  } catch (error) {
    throw new S3WriteError('Upload', input.bucket, input.key, error);
  }
}
