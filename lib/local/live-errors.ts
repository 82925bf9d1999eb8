/**
 * The Firehose side's error records, as the live feed's `errors` message carries them (live-model.ts): the
 * emulated delivery stream's processing and delivery failures (its `onErrorRecord`), and the Parquet
 * converter's format-conversion failures, read back from the error object it wrote. Reasons are the error
 * codes `errorsByReason` (live-stages.ts) counts, under the same stages, so a sample sits beside its count.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { maybeGunzip } from '../records';
import type { FirehoseErrorRecord } from './firehose-types';
import { STAGE } from './live-graph';
import type { ErrorInput } from './live-model';

/** A processing failure under the delivery stream, a delivery failure under its objects. */
export function firehoseErrorInput(record: FirehoseErrorRecord): ErrorInput {
  return record.kind === 'processing'
    ? {
        stage: STAGE.firehose,
        reason: record.errorCode,
        message: `${record.outputType ?? 'processing-failed'}: ${record.errorMessage}`,
        rawData: record.rawData,
      }
    : {
        stage: STAGE.objects,
        reason: record.errorCode,
        message: `delivery failed: ${record.errorMessage}`,
        rawData: record.rawData,
      };
}

/** Error objects are small; a larger one is not read (its records stay in S3 and in the lake's errors). */
const MAX_ERROR_OBJECT_BYTES = 8 * 1024 * 1024;

/**
 * The first `limit` records of a converter error object (gzip'd JSON lines of ConversionErrorLine), as error
 * inputs. A line that does not parse is skipped: this is a view, the object stays the record of truth.
 */
export async function conversionErrorInputs(
  s3: S3Client,
  bucket: string,
  key: string,
  limit: number,
): Promise<ErrorInput[]> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array(0));
  const inflated = maybeGunzip(body, MAX_ERROR_OBJECT_BYTES);
  if (!inflated.ok) return [];
  const text = inflated.value.toString('utf8');
  const inputs: ErrorInput[] = [];
  for (const line of text.split('\n')) {
    if (inputs.length >= limit) break;
    if (line.trim() === '') continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const where = [
      typeof parsed.sourceKey === 'string' ? parsed.sourceKey : key,
      typeof parsed.recordNumber === 'number' ? `record ${parsed.recordNumber}` : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    inputs.push({
      stage: STAGE.converter,
      reason: typeof parsed.code === 'string' ? parsed.code : 'format-conversion-failed',
      message: `format conversion failed (${where})${typeof parsed.message === 'string' ? `: ${parsed.message}` : ''}`,
      rawData: typeof parsed.rawData === 'string' ? parsed.rawData : '',
    });
  }
  return inputs;
}
