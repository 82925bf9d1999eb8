/**
 * `sls package` ships each function with its pipeline checked (serverless/esbuild-plugins.js uses this
 * plugin): lib/pipeline/packaged.ts becomes the loaded pipeline as JSON (defaults filled in, record schema
 * read, the analytics query planned), lib/schema/compile.ts becomes Ajv's standalone code for every schema
 * the functions compile, and the modules only that checking needs (yaml, node-sql-parser) become stubs.
 * A bad pipeline.yml fails the build with the loader's message, naming the field.
 */
import { dirname, relative, resolve } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';
import pipelineSchema from '../../schemas/pipeline.schema.json';
import { createWindowAggregator } from '../analytics/window';
import { planPipelineQuery } from '../analytics/sql';
import { createStreamConsumer } from '../consumer';
import { createParquetConverter } from '../converter';
import { FUNCTIONS, type FunctionKey } from '../deploy/functions';
import { createFirehoseProcessor } from '../firehose';
import { compiledSchemas, schemasCompiledBy, type CompiledSchema } from '../schema/compile';
import { standaloneValidators } from '../schema/standalone';
import { loadPipeline } from './load';
import type { HandlerPipeline } from './packaged';

const ROOT = resolve(__dirname, '../..');
const PACKAGE_TIME = 'set-at-run-time';

/**
 * Each function built as its cold start builds it, so that every schema it compiles is recorded. Settings that
 * only exist at run time (BUCKET_NAME, a mask's salt) read as placeholders here.
 */
const BUILDERS: Record<FunctionKey, (pipeline: HandlerPipeline, env: NodeJS.ProcessEnv) => unknown> = {
  streamConsumer: (pipeline, env) => createStreamConsumer(pipeline, { bucket: PACKAGE_TIME, env }),
  firehoseTransformer: (pipeline, env) => createFirehoseProcessor(pipeline, { mode: 'transform', env }),
  partitionKeys: (pipeline, env) => createFirehoseProcessor(pipeline, { mode: 'keys', env }),
  parquetConverter: (pipeline) => createParquetConverter(pipeline, { bucket: PACKAGE_TIME }),
  windowAggregator: (pipeline, env) =>
    createWindowAggregator(pipeline, { bucket: PACKAGE_TIME, env, plan: pipeline.queryPlan }),
};

const placeholderEnv = new Proxy<NodeJS.ProcessEnv>({}, { get: () => PACKAGE_TIME });

export interface PackagedModules {
  pipeline: HandlerPipeline;
  /** lib/pipeline/packaged.ts as shipped. */
  pipelineModule: string;
  /** lib/schema/compile.ts as shipped to a bundle of every function packaged. */
  compileModule: string;
  /** lib/schema/compile.ts as shipped to each function's own bundle: the record validators it compiles only. */
  compileModules: Partial<Record<FunctionKey, string>>;
}

/** lib/schema/compile.ts as shipped: the standalone validators of `schemas`, and a clear error for any other. */
function compileModuleOf(schemas: CompiledSchema[]): string {
  return `${standaloneValidators(schemas, './formats')}
const { schemaKey } = require('./schema-key');
function notPackaged(schema) {
  const name = schema.$id || schema.title || 'a JSON Schema';
  return () => {
    throw new Error(name + ': no validator for it in this bundle; sls package generates one for each schema the functions compile (lib/pipeline/packaged-build.ts)');
  };
}
exports.compileSchema = (schema, options) => validators[schemaKey(schema, options)] || notPackaged(schema);
exports.compiledSchemas = () => [];
`;
}

/** Loads and checks `file` (throws PipelineConfigError naming the field) and writes the shipped modules. */
export function packagedModules(file: string, functions: FunctionKey[]): PackagedModules {
  const loaded = loadPipeline(file);
  const analytics = loaded.config.analytics;
  const pipeline: HandlerPipeline = {
    ...loaded,
    // Paths as the function sees them: relative to its task root, where pipeline.yml's folder maps to.
    file: relative(ROOT, loaded.file),
    baseDir: relative(ROOT, loaded.baseDir) || '.',
    ...(analytics && { queryPlan: planPipelineQuery(loaded.config, loaded.recordSchema) }),
  };
  const compiledBy = new Map(
    functions.map((key) => [key, schemasCompiledBy(() => BUILDERS[key](pipeline, placeholderEnv))]),
  );
  // The pipeline schema is checked here; a function never validates pipeline.yml.
  const schemas = compiledSchemas().filter((entry) => entry.schema !== pipelineSchema);
  // A function's bundle keeps the config checks (stubs of a few hundred bytes, some compiled when a module is
  // imported) and the record validators its cold start compiles: the converter's needs none (18 KB, and
  // ajv-formats with it).
  const schemasOf = (key: FunctionKey) =>
    schemas.filter((entry) => entry.options.pipelineConfig === true || compiledBy.get(key)!.has(entry.key));
  // Custom transforms are code: the bundle imports transforms/ as the sources do; the rest is data.
  const { customTransforms: _code, ...data } = pipeline;
  return {
    pipeline,
    pipelineModule: `import { customTransforms } from '../../transforms';
export function handlerPipeline() {
  return { ...JSON.parse(${JSON.stringify(JSON.stringify(data))}), customTransforms };
}
`,
    compileModule: compileModuleOf(schemas),
    compileModules: Object.fromEntries(functions.map((key) => [key, compileModuleOf(schemasOf(key))])),
  };
}

/** What a packaged bundle never runs: the YAML and SQL parsers (the pipeline is parsed and planned here). */
const NOT_PACKAGED: Record<string, string> = {
  yaml: 'exports.parseDocument = exports.parse = () => { throw new Error(MESSAGE); };',
  'node-sql-parser/build/postgresql':
    'exports.Parser = class { constructor() { throw new Error(MESSAGE); } };',
};

export interface PackagedPipelineOptions {
  /** The pipeline file (PIPELINE_FILE, else pipeline.yml). */
  file: string;
  /** The functions being packaged: each is built once here to learn the schemas it compiles. */
  functions: () => FunctionKey[];
}

/** The function whose handler a build's single entry point is (serverless-esbuild builds one per function). */
function functionOf(entryPoints: BuildOptions['entryPoints']): FunctionKey | undefined {
  const entries = Array.isArray(entryPoints) ? entryPoints : Object.values(entryPoints ?? {});
  if (entries.length !== 1) return undefined;
  const entry = entries[0]!;
  const handler = `${relative(ROOT, resolve(ROOT, typeof entry === 'string' ? entry : entry.in))
    .split('\\')
    .join('/')
    .replace(/\.ts$/, '')}.handler`;
  return (Object.keys(FUNCTIONS) as FunctionKey[]).find((key) => FUNCTIONS[key].handler === handler);
}

export function packagedPipelinePlugin(options: PackagedPipelineOptions): Plugin {
  let modules: PackagedModules | undefined;
  const built = () => (modules ??= packagedModules(options.file, options.functions()));
  const shipped = (file: string) => resolve(ROOT, file);
  return {
    name: 'kpipe-packaged-pipeline',
    setup(build) {
      const key = functionOf(build.initialOptions.entryPoints);
      const compileModule = () => (key && built().compileModules[key]) ?? built().compileModule;
      build.onLoad({ filter: /[\\/]lib[\\/]pipeline[\\/]packaged\.ts$/ }, (args) =>
        args.path === shipped('lib/pipeline/packaged.ts')
          ? { contents: built().pipelineModule, loader: 'js', resolveDir: dirname(args.path) }
          : undefined,
      );
      build.onLoad({ filter: /[\\/]lib[\\/]schema[\\/]compile\.ts$/ }, (args) =>
        args.path === shipped('lib/schema/compile.ts')
          ? { contents: compileModule(), loader: 'js', resolveDir: dirname(args.path) }
          : undefined,
      );
      build.onResolve({ filter: /^(yaml|node-sql-parser\/build\/postgresql)$/ }, (args) => ({
        path: args.path,
        namespace: 'kpipe-not-packaged',
      }));
      build.onLoad({ filter: /.*/, namespace: 'kpipe-not-packaged' }, (args) => ({
        contents: `const MESSAGE = ${JSON.stringify(
          `${args.path} is not in the packaged bundle: sls package parsed and checked the pipeline (lib/pipeline/packaged-build.ts)`,
        )};\n${NOT_PACKAGED[args.path]}\n`,
        loader: 'js',
      }));
    },
  };
}
