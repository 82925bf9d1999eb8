/**
 * Modules a handler loads only sometimes (the X-Ray Tracer with tracing on, the SSM reader when the salt is
 * kept in SSM, protobufjs for KPL aggregates, the SDK's credential chain past the environment) ship as files of
 * their own beside the handler's bundle, not inside it: V8 parses every byte of a bundle at require(), used or
 * not, and esbuild cannot split CommonJS output.
 * `sls package` (through serverless/esbuild-plugins.js) turns each import or require() of such a module into a
 * require() of `./lazy/<name>.js`, built here once per output folder with the handler's own esbuild options;
 * serverless-esbuild zips every file of its output folder, so each function's zip carries them.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const ROOT = resolve(__dirname, '../..');

/** The lazily loaded modules (from the project root) and the name of the file each ships as. */
export const LAZY_CHUNKS: Readonly<Record<string, string>> = {
  'lib/observability/xray-tracer.ts': 'xray-tracer',
  'lib/aws/ssm-parameter.ts': 'ssm-parameter',
  'lib/records/protobuf.ts': 'protobuf',
  'lib/aws/credential-chain.ts': 'credential-chain',
};

/**
 * Packages the functions get a module of their own for (from the project root): the SDK's default credential
 * chain becomes its environment link, the rest of the chain a chunk (lib/aws/lambda-credentials.ts says why).
 */
export const PACKAGE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': 'lib/aws/lambda-credentials.ts',
};

/** The chunks' folder, beside the handler's bundle. */
export const LAZY_FOLDER = 'lazy';

/** The handler build's options a chunk keeps; entry, output, plugins and metafile are its own. */
const KEPT = [
  'bundle',
  'minify',
  'target',
  'platform',
  'format',
  'keepNames',
  'sourcemap',
  'sourcesContent',
  'mainFields',
  'conditions',
  'external',
  'define',
  'tsconfig',
] as const satisfies (keyof BuildOptions)[];

const building = new Map<string, Promise<unknown>>();

function buildChunk(source: string, outfile: string, options: BuildOptions): Promise<unknown> {
  let pending = building.get(outfile);
  // Once per output file, unless a later build cleaned the folder.
  if (pending === undefined || !existsSync(outfile)) {
    const kept = Object.fromEntries(KEPT.flatMap((key) => (key in options ? [[key, options[key]]] : [])));
    pending = build({ ...kept, entryPoints: [source], outfile, logLevel: 'warning' });
    building.set(outfile, pending);
    pending.catch(() => building.delete(outfile));
  }
  return pending;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function lazyChunksPlugin(
  chunks: Readonly<Record<string, string>> = LAZY_CHUNKS,
  aliases: Readonly<Record<string, string>> = PACKAGE_ALIASES,
): Plugin {
  const byFile = new Map(Object.entries(chunks).map(([file, name]) => [resolve(ROOT, file), name]));
  const bases = Object.keys(chunks).map((file) => escape(file.split('/').pop()!.replace(/\.ts$/, '')));
  return {
    name: 'kpipe-lazy-chunks',
    setup(pluginBuild) {
      const options = pluginBuild.initialOptions;
      const outdir = options.outdir ?? (options.outfile && dirname(options.outfile));
      if (outdir === undefined) throw new Error('kpipe-lazy-chunks: the build needs an outdir or an outfile');
      pluginBuild.onResolve({ filter: new RegExp(`[\\\\/](${bases.join('|')})(\\.ts)?$`) }, async (args) => {
        const file = resolve(args.resolveDir, args.path.endsWith('.ts') ? args.path : `${args.path}.ts`);
        const name = byFile.get(file);
        if (name === undefined) return undefined;
        const outfile = join(outdir, LAZY_FOLDER, `${name}.js`);
        await buildChunk(file, outfile, options);
        return { path: `./${relative(outdir, outfile).split('\\').join('/')}`, external: true };
      });
      const names = Object.keys(aliases).map(escape);
      if (names.length === 0) return;
      // Chunks are built without this plugin: the chain's chunk gets the package itself.
      pluginBuild.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({
        path: resolve(ROOT, aliases[args.path]!),
      }));
    },
  };
}
