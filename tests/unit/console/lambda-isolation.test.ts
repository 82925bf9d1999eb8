/**
 * The console is local tooling: nothing under lib/console may reach a Lambda bundle. Each handler is bundled
 * as serverless-esbuild would (in memory) and its inputs are checked.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(__dirname, '../../..');
const handlers = readdirSync(join(ROOT, 'functions')).filter((file) => file.endsWith('.ts'));

it('there are handlers to check', () => {
  expect(handlers.length).toBeGreaterThanOrEqual(5);
});

it.each(handlers)('functions/%s bundles nothing from lib/console', async (handler) => {
  const result = await build({
    entryPoints: [join(ROOT, 'functions', handler)],
    bundle: true,
    platform: 'node',
    write: false,
    metafile: true,
    external: ['@aws-sdk/*', '@smithy/*', '@duckdb/*'],
    logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  const inputs = Object.keys(result.metafile.inputs);

  // The check sees the project's own inputs (a bundle of nothing would pass it vacuously).
  expect(inputs).toContain(`functions/${handler}`);
  expect(inputs.filter((input) => input.startsWith('lib/console/') || input.includes('/hono/'))).toEqual([]);
});
