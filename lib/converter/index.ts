/**
 * The Parquet converter assembled from pipeline.yml: what functions/parquet-converter.ts runs per S3
 * ObjectCreated event, as Firehose's format conversion would (docs/parquet.md). Raw objects under
 * `conversion.inputPrefix` become Parquet under `outputPrefix` (same partition path), bad records JSON lines
 * under `errorPrefix`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../aws/clients';
import { compileConversion, validateConversionConfig, type ConversionConfig } from '../parquet';
import { PipelineConfigError } from '../pipeline/errors';
import type { ObjectEncryption } from '../sinks/s3';
import { errorMessage } from '../sinks/retry';
import {
  ObjectRetryError,
  convertObject,
  emptySummary,
  type ObjectConversionContext,
  type ObjectSummary,
} from './convert-object';
import { targetsOf, type S3Notification } from './events';

export {
  ObjectRetryError,
  convertObject,
  errorKeyFor,
  PARQUET_CONTENT_TYPE,
  type ObjectConversionContext,
  type ObjectOutcome,
  type ObjectSummary,
} from './convert-object';
export {
  CONVERSION_FAILED_REASON,
  OBJECT_ERROR_CODES,
  createErrorOutput,
  type ConversionErrorLine,
  type ErrorOutput,
  type ObjectErrorCode,
} from './error-output';
export {
  SKIP_REASONS,
  decodeS3Key,
  targetOf,
  targetsOf,
  type EventRecordTarget,
  type ObjectRef,
  type S3Notification,
  type S3NotificationRecord,
  type SkipReason,
  type SkippedRecord,
} from './events';

export interface ParquetConverterOptions {
  /**
   * The pipeline bucket (BUCKET_NAME): events of other buckets are skipped. Unset when the stack creates
   * the bucket (its name cannot reach the function without a dependency cycle): each object is then read
   * from and written to the bucket its event names, and the role allows only the pipeline bucket.
   */
  bucket?: string;
  client?: S3Client;
  /** Server-side encryption of written objects (default SSE-S3). */
  encryption?: ObjectEncryption;
  now?: () => Date;
}

export interface ConverterResult {
  objects: ObjectSummary[];
  /** Totals over the objects (the shape `kpipe local` counts). */
  rows: number;
  errors: number;
}

/** Some object must be converted again: thrown after every object of the event had its turn. */
export class ConversionRetryError extends Error {
  override readonly name = 'ConversionRetryError';

  constructor(
    readonly result: ConverterResult,
    readonly failures: ObjectRetryError[],
  ) {
    super(
      `${failures.length} object(s) not converted, to be retried: ${failures.map((failure) => failure.message).join('; ')}`,
      { cause: failures[0] },
    );
  }
}

export type ParquetConverter = (event: S3Notification) => Promise<ConverterResult>;

/**
 * Checks the `conversion:` block (the converter must not trigger itself) and compiles the schema, once;
 * the returned function handles one S3 event, object by object (one at a time, so memory stays one row
 * group). Throws ConversionRetryError when S3 failed for some object, after converting the others.
 */
export function createParquetConverter(
  pipeline: { file: string; recordSchema: object; config: { conversion?: ConversionConfig } },
  options: ParquetConverterOptions,
): ParquetConverter {
  const block: ConversionConfig | undefined = pipeline.config.conversion;
  if (!block)
    throw new PipelineConfigError(pipeline.file, ['conversion: the Parquet converter needs this block']);
  const problems = validateConversionConfig(block);
  if (problems.length > 0) throw new PipelineConfigError(pipeline.file, problems);
  const bucket = options.bucket || undefined;
  const conversion = compileConversion(pipeline.recordSchema, block);
  const context: ObjectConversionContext = {
    client: options.client ?? createS3Client(),
    conversion,
    inputPrefix: block.inputPrefix,
    outputPrefix: block.outputPrefix,
    errorPrefix: block.errorPrefix,
    fileExtension: block.fileExtension ?? '.parquet',
    encryption: options.encryption,
    now: options.now ?? (() => new Date()),
  };

  return async (event) => {
    const objects: ObjectSummary[] = [];
    const failures: ObjectRetryError[] = [];
    for (const target of targetsOf(event, bucket, block)) {
      if ('skipped' in target) {
        const { reason, message, ...where } = target.skipped;
        objects.push({
          ...emptySummary('skipped', Date.now()),
          ...where,
          skipReason: reason,
          problem: message,
        });
        continue;
      }
      const started = Date.now();
      try {
        objects.push(await convertObject(context, target.object));
      } catch (error) {
        if (!(error instanceof ObjectRetryError)) throw error;
        failures.push(error);
        objects.push({
          ...emptySummary('retry', started),
          bucket: target.object.bucket,
          key: target.object.key,
          problem: errorMessage(error),
        });
      }
    }
    const result: ConverterResult = {
      objects,
      rows: objects.reduce((sum, object) => sum + object.rows, 0),
      errors: objects.reduce((sum, object) => sum + object.errors, 0),
    };
    if (failures.length > 0) throw new ConversionRetryError(result, failures);
    return result;
  };
}
