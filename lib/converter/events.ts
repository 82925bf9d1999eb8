/**
 * S3 ObjectCreated notifications → the objects to convert. Every record of an event is either an object
 * to convert or skipped with a reason; none is ignored without a trace.
 */
import type { ConversionConfig } from '../parquet';

/** The parts of an S3 notification record the converter reads (aws-lambda's S3EventRecord fits). */
export interface S3NotificationRecord {
  eventName?: string;
  eventSource?: string;
  s3?: {
    bucket?: { name?: string };
    object?: { key?: string; size?: number; eTag?: string; versionId?: string; sequencer?: string };
  };
}

export interface S3Notification {
  Records?: readonly S3NotificationRecord[];
}

export interface ObjectRef {
  bucket: string;
  /** Decoded (S3 notifications URL-encode keys, spaces as `+`). */
  key: string;
  size?: number;
  eTag?: string;
}

/** Why an event record is not converted; each is logged with the record's key. */
export const SKIP_REASONS = {
  notObjectCreated: 'not-object-created',
  malformedRecord: 'malformed-record',
  otherBucket: 'other-bucket',
  undecodableKey: 'undecodable-key',
  converterOutput: 'converter-output',
  converterErrorOutput: 'converter-error-output',
  outsideInputPrefix: 'outside-input-prefix',
  folderMarker: 'folder-marker',
  objectMissing: 'object-missing',
  noFileName: 'no-file-name',
} as const;

export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS];

export interface SkippedRecord {
  reason: SkipReason;
  message: string;
  bucket?: string;
  /** As it arrived (still encoded when it could not be decoded). */
  key?: string;
}

export type EventRecordTarget = { object: ObjectRef } | { skipped: SkippedRecord };

/** S3 notification keys are form-encoded: `+` is a space, `%2B` a plus. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export type PrefixConfig = Pick<ConversionConfig, 'inputPrefix' | 'outputPrefix' | 'errorPrefix'>;

/**
 * Checks in order; the first that matches skips the key. The converter's own outputs come first, so a
 * notification configured without a prefix filter names the loop it avoided.
 */
const KEY_CHECKS: readonly {
  reason: SkipReason;
  applies: (key: string, prefixes: PrefixConfig) => boolean;
  message: (key: string, prefixes: PrefixConfig) => string;
}[] = [
  {
    reason: SKIP_REASONS.converterOutput,
    applies: (key, { outputPrefix }) => key.startsWith(outputPrefix),
    message: (key, { outputPrefix }) =>
      `'${key}' is under the conversion outputPrefix '${outputPrefix}' (the converter's own output; is the S3 notification filtered on inputPrefix?)`,
  },
  {
    reason: SKIP_REASONS.converterErrorOutput,
    applies: (key, { errorPrefix }) => key.startsWith(errorPrefix),
    message: (key, { errorPrefix }) =>
      `'${key}' is under the conversion errorPrefix '${errorPrefix}' (the converter's own error output)`,
  },
  {
    reason: SKIP_REASONS.outsideInputPrefix,
    applies: (key, { inputPrefix }) => !key.startsWith(inputPrefix),
    message: (key, { inputPrefix }) => `'${key}' is not under the conversion inputPrefix '${inputPrefix}'`,
  },
  {
    reason: SKIP_REASONS.folderMarker,
    applies: (key) => key.endsWith('/'),
    message: (key) => `'${key}' is a folder marker, not a data object`,
  },
];

/** What to do with one notification record: the object to convert, or why it is skipped. */
export function targetOf(
  record: S3NotificationRecord,
  /** Only this bucket's events convert; undefined: whichever bucket the event names. */
  bucket: string | undefined,
  prefixes: PrefixConfig,
): EventRecordTarget {
  const eventName = record.eventName ?? '';
  const rawKey = record.s3?.object?.key;
  const eventBucket = record.s3?.bucket?.name;
  if (typeof rawKey !== 'string' || typeof eventBucket !== 'string' || eventBucket === '') {
    return {
      skipped: {
        reason: SKIP_REASONS.malformedRecord,
        message: 'the record has no s3.bucket.name or s3.object.key',
      },
    };
  }
  if (!eventName.startsWith('ObjectCreated:')) {
    return {
      skipped: {
        reason: SKIP_REASONS.notObjectCreated,
        message: `event '${eventName}' is not an ObjectCreated event`,
        bucket: eventBucket,
        key: rawKey,
      },
    };
  }
  if (bucket !== undefined && eventBucket !== bucket) {
    return {
      skipped: {
        reason: SKIP_REASONS.otherBucket,
        message: `bucket '${eventBucket}' is not the pipeline bucket '${bucket}'`,
        bucket: eventBucket,
        key: rawKey,
      },
    };
  }
  let key: string;
  try {
    key = decodeS3Key(rawKey);
  } catch {
    return {
      skipped: {
        reason: SKIP_REASONS.undecodableKey,
        message: `key '${rawKey}' is not valid URL encoding`,
        bucket: eventBucket,
        key: rawKey,
      },
    };
  }
  for (const check of KEY_CHECKS) {
    if (check.applies(key, prefixes)) {
      return {
        skipped: { reason: check.reason, message: check.message(key, prefixes), bucket: eventBucket, key },
      };
    }
  }
  const object = record.s3?.object;
  return { object: { bucket: eventBucket, key, size: object?.size, eTag: object?.eTag } };
}

/** Every record of the event, in order (S3 sends one per event today; the format allows several). */
export function targetsOf(
  event: S3Notification,
  bucket: string | undefined,
  prefixes: PrefixConfig,
): EventRecordTarget[] {
  return (event.Records ?? []).map((record) => targetOf(record, bucket, prefixes));
}
