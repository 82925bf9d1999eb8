import { PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage, errorName } from './retry';

/**
 * Server-side encryption of written objects. Default `AES256` (SSE-S3). `none` sends no header,
 * for S3-compatible stores that reject it; AWS then applies the bucket's default encryption.
 */
export type ObjectEncryption = { mode: 'AES256' } | { mode: 'aws:kms'; kmsKeyId?: string } | { mode: 'none' };

export const DEFAULT_ENCRYPTION: ObjectEncryption = { mode: 'AES256' };

type EncryptionParams = Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'>;

const ENCRYPTION_PARAMS: {
  [M in ObjectEncryption['mode']]: (encryption: Extract<ObjectEncryption, { mode: M }>) => EncryptionParams;
} = {
  AES256: () => ({ ServerSideEncryption: 'AES256' }),
  'aws:kms': (encryption) =>
    encryption.kmsKeyId
      ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: encryption.kmsKeyId }
      : { ServerSideEncryption: 'aws:kms' },
  none: () => ({}),
};

export function encryptionParams(encryption: ObjectEncryption = DEFAULT_ENCRYPTION): EncryptionParams {
  const build = ENCRYPTION_PARAMS[encryption.mode] as ((e: ObjectEncryption) => EncryptionParams) | undefined;
  if (!build) {
    throw new Error(
      `encryption.mode must be one of ${Object.keys(ENCRYPTION_PARAMS).join(', ')}, got ${JSON.stringify(encryption.mode)}`,
    );
  }
  return build(encryption);
}

export interface PutObjectInput {
  bucket: string;
  key: string;
  body: Uint8Array | string;
  contentType?: string;
  contentEncoding?: string;
  encryption?: ObjectEncryption;
}

export interface PutObjectResult {
  bucket: string;
  key: string;
  etag?: string;
  versionId?: string;
}

/** A failed write, naming the object; the SDK error is kept as `cause`. */
export class S3WriteError extends Error {
  override readonly name = 'S3WriteError';
  readonly code: string;

  constructor(
    readonly operation: string,
    readonly bucket: string,
    readonly key: string,
    cause: unknown,
  ) {
    super(`S3 ${operation} s3://${bucket}/${key} failed: ${errorName(cause)}: ${errorMessage(cause)}`, {
      cause,
    });
    this.code = errorName(cause);
  }
}

/** The PutObject parameters but the body, checked: shared with s3-upload.ts. */
export function objectParams(input: Omit<PutObjectInput, 'body'>): PutObjectCommandInput {
  if (!input.bucket) throw new Error('S3 write: bucket is required');
  if (!input.key) throw new Error(`S3 write to bucket ${input.bucket}: key is required`);
  const params: PutObjectCommandInput = {
    Bucket: input.bucket,
    Key: input.key,
    ...encryptionParams(input.encryption),
  };
  if (input.contentType !== undefined) params.ContentType = input.contentType;
  if (input.contentEncoding !== undefined) params.ContentEncoding = input.contentEncoding;
  return params;
}

/**
 * One PutObject (bodies up to 5 GB; prefer `uploadObject` (s3-upload.ts) above a few tens of MiB). The SDK client
 * retries transient faults; a failure rejects with an S3WriteError naming the object.
 */
export async function putObject(client: S3Client, input: PutObjectInput): Promise<PutObjectResult> {
  const params = { ...objectParams(input), Body: input.body };
  try {
    const response = await client.send(new PutObjectCommand(params));
    return { bucket: input.bucket, key: input.key, etag: response.ETag, versionId: response.VersionId };
  } catch (error) {
    throw new S3WriteError('PutObject', input.bucket, input.key, error);
  }
}

export interface ObjectKeyInput {
  /** Leading and trailing slashes are ignored; empty for the bucket root. */
  prefix: string;
  /** Hive folders `name=value`, in the object's insertion order; values already sanitised. */
  partitions?: Record<string, string>;
  /** Path segments under the partitions; the last one is the file stem. */
  segments: string[];
  /** File extension without the leading dot, e.g. `jsonl.gz` (a leading dot is tolerated). */
  extension: string;
}

function assertSegment(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '')
    throw new Error(`object key: ${field} must be a non-empty string`);
  if (value.includes('/'))
    throw new Error(`object key: ${field} must not contain "/", got ${JSON.stringify(value)}`);
  if (value === '.' || value === '..') throw new Error(`object key: ${field} must not be "${value}"`);
}

/** `prefix/k=v/.../segment/.../stem.ext`, each part checked so nothing escapes its folder. */
export function joinObjectKey(input: ObjectKeyInput): string {
  const parts: string[] = [];
  const prefix = input.prefix.replace(/^\/+|\/+$/g, '');
  if (prefix !== '') parts.push(prefix);
  for (const [name, value] of Object.entries(input.partitions ?? {})) {
    assertSegment(`partitions key ${JSON.stringify(name)}`, name);
    if (name.includes('='))
      throw new Error(`object key: partitions key ${JSON.stringify(name)} must not contain "="`);
    assertSegment(`partitions.${name}`, value);
    parts.push(`${name}=${value}`);
  }
  input.segments.forEach((segment, i) => assertSegment(`segments[${i}]`, segment));
  const extension = input.extension.replace(/^\./, '');
  assertSegment('extension', extension);
  return [...parts, ...input.segments].join('/') + `.${extension}`;
}

export interface BatchObjectKeyInput {
  prefix: string;
  partitions?: Record<string, string>;
  shardId: string;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  extension: string;
}

const SEQUENCE_NUMBER = /^\d+$/;

/**
 * Deterministic key of one consumer batch, e.g.
 * `consumer/event_type=click/dt=2026-11-22/shardId-000000000000/<first>-<last>.jsonl.gz`:
 * a retried batch overwrites its object instead of adding a duplicate.
 */
export function batchObjectKey(input: BatchObjectKeyInput): string {
  for (const field of ['firstSequenceNumber', 'lastSequenceNumber'] as const) {
    if (!SEQUENCE_NUMBER.test(input[field])) {
      throw new Error(
        `batchObjectKey: ${field} must be a decimal sequence number, got ${JSON.stringify(input[field])}`,
      );
    }
  }
  return joinObjectKey({
    prefix: input.prefix,
    partitions: input.partitions,
    segments: [input.shardId, `${input.firstSequenceNumber}-${input.lastSequenceNumber}`],
    extension: input.extension,
  });
}
