/** The Parquet converter as the local runtime calls it (S3 ObjectCreated → parquetConverter). */
import type { LoadedPipeline } from '../pipeline/load';
import type { ObjectConverter } from './runtime';

export function localConverter(
  pipeline: LoadedPipeline,
  _env: NodeJS.ProcessEnv,
): ObjectConverter | undefined {
  if (!pipeline.config.conversion) return undefined;
  return undefined;
}
