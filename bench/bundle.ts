/**
 * Handlers as `sls package` ships them: one esbuild bundle per function with serverless.yml's
 * `custom.esbuild` options (bundled, minified, CommonJS as serverless-esbuild writes it). Benchmarks of a
 * handler load that bundle rather than the TypeScript through tsx, whose CommonJS output reaches every
 * imported function through a getter: a few percent on a hot path that a deployed function does not pay.
 * The AWS SDK stays outside the bundle so that aws-sdk-client-mock's mocks reach the handler's clients.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '..');
/** Beside serverless-esbuild's own work folder (.esbuild/, ignored by git). */
export const BENCH_BUILD_DIR = join(ROOT, '.esbuild', 'bench');

export function packagingOptions(): BuildOptions {
  const config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
    custom?: {
      esbuild?: Pick<
        BuildOptions,
        'bundle' | 'minify' | 'target' | 'platform' | 'keepNames' | 'mainFields' | 'sourcesContent'
      >;
    };
  };
  const esbuild = config.custom?.esbuild;
  if (esbuild === undefined) throw new Error('serverless.yml: custom.esbuild not found');
  const { bundle, minify, target, platform, keepNames, mainFields, sourcesContent } = esbuild;
  return { bundle, minify, target, platform, keepNames, mainFields, sourcesContent, format: 'cjs' };
}

/**
 * Bundles `entry` (relative to the project root) and loads a fresh instance of it: environment variables
 * read at cold start are read again on every call.
 */
export async function loadBundledHandler<T>(entry: string): Promise<T> {
  mkdirSync(BENCH_BUILD_DIR, { recursive: true });
  const outfile = join(BENCH_BUILD_DIR, entry.replace(/[/\\]/g, '_').replace(/\.ts$/, '.js'));
  await build({
    ...packagingOptions(),
    entryPoints: [join(ROOT, entry)],
    outfile,
    external: ['@aws-sdk/*', '@smithy/*'],
    logLevel: 'warning',
  });
  // A CommonJS bundle, loaded as Lambda's runtime loads it; dropped from the cache first for a cold start.
  const load = createRequire(__filename);
  delete load.cache[outfile];
  return load(outfile) as T;
}
