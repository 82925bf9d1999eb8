/** The Parquet converter as the local runtime calls it: S3 ObjectCreated on the raw prefix → parquetConverter. */
import type { S3Client } from '@aws-sdk/client-s3';
import { createParquetConverter } from '../converter';
import type { LoadedPipeline } from '../pipeline/load';
import type { ConverterFactory } from './runtime';

export function localConverter(pipeline: LoadedPipeline): ConverterFactory | undefined {
  if (!pipeline.config.conversion) return undefined;
  return (client: S3Client) => createParquetConverter(pipeline, { client });
}
