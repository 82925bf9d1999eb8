/**
 * Each function's bundle holds the SDK clients its pipeline.yml can make it build, no others: V8 parses every
 * byte of a bundle at every cold start, and the Kinesis client (with the HTTP/2 handler it defaults to) and the
 * Firehose client are about 40 KB of it. `sls package` (serverless/esbuild-plugins.js) replaces the constructor
 * module of a client a function cannot use (lib/aws/kinesis-client.ts, firehose-client.ts) with one that throws,
 * naming the cause. The Firehose functions keep both: they re-ingest to the event's source, Kinesis or Firehose.
 */
import { resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import type { PipelineConfig } from '../pipeline/types';
import { FUNCTIONS, type FunctionKey } from './functions';

const ROOT = resolve(__dirname, '../..');

export type OptionalClient = 'kinesis' | 'firehose';

/** The module holding each optional client's constructor (from the project root), and what it exports. */
export const CLIENT_MODULES: Readonly<
  Record<OptionalClient, { file: string; factory: string; service: string }>
> = {
  kinesis: { file: 'lib/aws/kinesis-client.ts', factory: 'newKinesisClient', service: 'Kinesis' },
  firehose: { file: 'lib/aws/firehose-client.ts', factory: 'newFirehoseClient', service: 'Firehose' },
};

type SinkOwner = Pick<PipelineConfig, 'consumer' | 'analytics'>;

/** The optional clients `key` may build with `config`; undefined when any (decided per event at run time). */
export function clientsUsedBy(key: FunctionKey, config: SinkOwner): ReadonlySet<OptionalClient> | undefined {
  const typesOf = (sinks: readonly { type: string }[]) =>
    new Set(sinks.flatMap((sink) => (sink.type === 's3' ? [] : [sink.type as OptionalClient])));
  switch (key) {
    case 'streamConsumer':
      return typesOf(config.consumer?.sinks ?? []);
    case 'windowAggregator':
      return typesOf(config.analytics ? [config.analytics.sink] : []);
    case 'parquetConverter':
      return new Set();
    default:
      return undefined;
  }
}

/** The function a build is for: its single entry point, matched against the handlers' files. */
function functionOf(entryPoints: unknown): FunctionKey | undefined {
  const entries = Array.isArray(entryPoints)
    ? entryPoints.map((entry: string | { in: string }) => (typeof entry === 'string' ? entry : entry.in))
    : Object.values((entryPoints ?? {}) as Record<string, string>);
  if (entries.length !== 1) return undefined;
  const file = resolve(ROOT, entries[0]!).replace(/\.[cm]?[jt]s$/, '');
  return (Object.keys(FUNCTIONS) as FunctionKey[]).find(
    (key) => resolve(ROOT, FUNCTIONS[key].handler.replace(/\.handler$/, '')) === file,
  );
}

/** What a left-out client's module becomes: a factory that says why it is missing and the way out. */
function unusedClientModule(key: FunctionKey, client: OptionalClient): string {
  const { factory, service } = CLIENT_MODULES[client];
  const message =
    `${key} was packaged without the ${service} client: no sink of it in pipeline.yml writes to ${service}. ` +
    'Package again (sls package or sls deploy) after changing pipeline.yml.';
  return `exports.${factory} = () => { throw new Error(${JSON.stringify(message)}); };\n`;
}

export function sdkClientsPlugin(options: { config: () => SinkOwner }): Plugin {
  const byFile = new Map(
    (Object.keys(CLIENT_MODULES) as OptionalClient[]).map((client) => [
      resolve(ROOT, CLIENT_MODULES[client].file),
      client,
    ]),
  );
  return {
    name: 'kpipe-sdk-clients',
    setup(build) {
      const key = functionOf(build.initialOptions.entryPoints);
      if (key === undefined) return;
      const used = clientsUsedBy(key, options.config());
      if (used === undefined) return;
      build.onResolve({ filter: /[\\/](kinesis|firehose)-client(\.ts)?$/ }, (args) => {
        const file = resolve(args.resolveDir, args.path.endsWith('.ts') ? args.path : `${args.path}.ts`);
        const client = byFile.get(file);
        if (client === undefined || used.has(client)) return undefined;
        return { path: file, namespace: 'kpipe-unused-client', pluginData: client };
      });
      build.onLoad({ filter: /.*/, namespace: 'kpipe-unused-client' }, (args) => ({
        contents: unusedClientModule(key, args.pluginData as OptionalClient),
        loader: 'js',
      }));
    },
  };
}
