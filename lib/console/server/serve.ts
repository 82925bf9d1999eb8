/**
 * Starts the console: bundles the page (lib/console/page, TypeScript) with esbuild in this process (no
 * CDN: it works offline), listens on 127.0.0.1 only and prints nothing itself; the caller prints `url`.
 */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exampleQuery, lakeLayout } from '../../lake/query';
import type { LiveChannel } from '../../local/live';
import type { PipelineConfig } from '../../pipeline/types';
import { TEMPLATES_DIR } from '../../generator/catalog';
import { createConsoleApp } from './app';
import { createLakeService } from './lake';
import { newToken } from './security';
import { createSender } from './sender';
import { listTargets, runSinkFactory, type SendEndpoints, type SinkFactory } from './targets';
import { createTemplateLibrary } from './templates';

const PAGE_DIR = join(__dirname, '..', 'page');

const HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kpipe local console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="console.css?token=TOKEN"></head>
<body><header><h1>kpipe local</h1><nav id="tabs"></nav><span id="status"></span></header><main id="tab"></main>
<script src="console.js?token=TOKEN"></script></body></html>`;

/** The page's script and CSS, built once per process. */
let bundle: Promise<{ js: string; css: string }> | undefined;
export function bundlePage(): Promise<{ js: string; css: string }> {
  bundle ??= import('esbuild').then(async (esbuild) => {
    const result = await esbuild.build({
      entryPoints: [join(PAGE_DIR, 'main.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2022',
      minify: true,
      outdir: 'out',
      loader: { '.css': 'css' },
      logLevel: 'silent',
    });
    const text = (extension: string) =>
      result.outputFiles
        .filter((file) => file.path.endsWith(extension))
        .map((file) => file.text)
        .join('\n');
    return { js: text('.js'), css: text('.css') };
  });
  return bundle;
}

export interface ConsoleOptions {
  live: LiveChannel;
  config: PipelineConfig;
  stateDir: string;
  /** 0: a free port. */
  port?: number;
  templatesDir?: string;
  /** The run's endpoints, once its emulators listen. */
  endpoints: () => SendEndpoints;
  /** Mirrors the bucket now (during the run); undefined once the run mirrored it. */
  refreshLake?: () => (() => Promise<void>) | undefined;
  sinks?: SinkFactory;
}

export interface RunningConsole {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const token = newToken();
  let port = 0;
  const deliveryStreams = () => options.live.deliveryStreams();
  const sender = createSender({
    publish: options.live.publish,
    endpoints: options.endpoints,
    sinks: options.sinks ?? runSinkFactory(deliveryStreams),
  });
  const lake = createLakeService({
    stateDir: options.stateDir,
    layout: lakeLayout(options.config),
    get refresh() {
      return options.refreshLake?.();
    },
  });
  const layout = lakeLayout(options.config);
  const app = createConsoleApp({
    token,
    port: () => port,
    live: options.live,
    templates: createTemplateLibrary(options.templatesDir ?? TEMPLATES_DIR),
    sender,
    lake,
    targets: () => listTargets(deliveryStreams(), options.endpoints()),
    run: {
      stream: options.config.stream.name,
      deliveryStream: options.config.delivery?.name,
      exampleQueries: [
        exampleQuery(options.config),
        'SELECT * FROM lake LIMIT 100',
        'DESCRIBE lake',
        ...(layout.errors ? ['SELECT * FROM errors LIMIT 50'] : []),
      ],
    },
    page: {
      html: HTML.replaceAll('TOKEN', token),
      script: async () => (await bundlePage()).js,
      css: async () => (await bundlePage()).css,
    },
  });
  await bundlePage();
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: options.port ?? 0 }, () =>
      resolve(started),
    );
    started.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    async close() {
      await sender.stop();
      lake.close();
      // Live connections stay open until closed: end them, or close() would wait for the page.
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
