/**
 * The packaged functions' credential chain (lib/deploy/lazy-chunks.ts PACKAGE_ALIASES, lib/aws/lambda-credentials.ts):
 * a bundle built with the plugin holds the environment link only, and loads the SDK's whole chain from its
 * chunk when the environment has no credentials.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { LAZY_FOLDER, lazyChunksPlugin } from '../../../lib/deploy/lazy-chunks';
import { NODE_BUNDLE, printReport, reportOfFreshNode } from '../../support/fresh-node';

const ROOT = resolve(__dirname, '../../..');
let work: string;
let bundle: string;

beforeAll(async () => {
  work = join(ROOT, '.esbuild', `unit-credentials-${process.pid}`);
  mkdirSync(work, { recursive: true });
  bundle = join(work, 'functions', 'credentials-entry.js');
  await build({
    ...NODE_BUNDLE,
    entryPoints: [join(__dirname, 'fixtures', 'credentials-entry.ts')],
    mainFields: ['module', 'main'],
    outfile: bundle,
    plugins: [lazyChunksPlugin()],
  });
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MARKER = 'result: ';

/** Resolves the bundle's client credentials in a fresh process with `env` only. */
async function resolveCredentials(
  env: Record<string, string>,
): Promise<{ key?: string; error?: string; lazy: string[] }> {
  const script = `require(${JSON.stringify(bundle)}).credentials().then(
      (c) => ({ key: c.accessKeyId }), (e) => ({ error: e.name }))
    .then((out) => {
      out.lazy = Object.keys(require.cache).filter((f) => f.includes('/${LAZY_FOLDER}/')).map((f) => f.split('/').pop());
      ${printReport(MARKER, 'out')};
      process.exit(0);
    });`;
  return reportOfFreshNode(script, MARKER, {
    cwd: work,
    env: {
      HOME: work,
      // No instance metadata here: the chain's last link fails at once.
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  });
}

describe('the packaged credential chain', () => {
  it('bundles the environment link and ships the rest of the chain as a chunk', () => {
    // Assess
    const code = readFileSync(bundle, 'utf8');
    expect(code).toContain('node_modules/@aws-sdk/credential-provider-env/');
    expect(code).not.toMatch(
      /node_modules\/@aws-sdk\/(credential-provider-ini|credential-provider-sso|nested-clients)\//,
    );
    const chunk = join(work, 'functions', LAZY_FOLDER, 'credential-chain.js');
    expect(existsSync(chunk)).toBe(true);
    expect(readFileSync(chunk, 'utf8')).toContain('node_modules/@aws-sdk/credential-provider-ini/');
  });

  it('reads the credentials Lambda puts in the environment without loading the chain', async () => {
    // Act
    const result = await resolveCredentials({
      AWS_ACCESS_KEY_ID: 'AKIDENV',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });

    // Assess
    expect(result).toEqual({ key: 'AKIDENV', lazy: [] });
  }, 30_000);

  it('falls back to the SDK chain when the environment holds no credentials', async () => {
    // Act
    const result = await resolveCredentials({});

    // Assess
    expect(result.lazy).toEqual(['credential-chain.js']);
    expect(result.error).toBe('CredentialsProviderError');
  }, 30_000);

  it('leaves AWS_PROFILE to the SDK chain, as the SDK does', async () => {
    // Act
    const result = await resolveCredentials({
      AWS_PROFILE: 'nowhere',
      AWS_ACCESS_KEY_ID: 'AKIDENV',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });

    // Assess
    expect(result.lazy).toEqual(['credential-chain.js']);
    expect(result.key).toBeUndefined();
  }, 30_000);
});
