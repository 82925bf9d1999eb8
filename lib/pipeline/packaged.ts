/**
 * The pipeline a handler runs, read once at cold start. From the sources (tests, the bench bundles, `kpipe
 * local`) it is pipeline.yml, loaded and checked now. `sls package` replaces this module in each function's
 * bundle with the pipeline it checked at package time (packaged-build.ts): a cold start parses and validates
 * nothing, and a changed pipeline.yml needs a new package, as serverless.yml's values already do.
 */
import type { QueryPlan } from '../analytics/plan';
import { loadPipeline, type LoadedPipeline } from './load';

export interface HandlerPipeline extends LoadedPipeline {
  /** The analytics query planned at package time; absent, the window aggregator plans the SQL itself. */
  queryPlan?: QueryPlan;
}

export function handlerPipeline(): HandlerPipeline {
  return loadPipeline();
}
