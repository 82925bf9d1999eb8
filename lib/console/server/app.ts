/**
 * The console's routes (hono). Everything behind the gate (security.ts): the page, its bundle, the API and
 * the live feed. `app.request()` runs them without a socket, which the unit tests use.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { TemplateError } from '../../generator/errors';
import { compileTemplate } from '../../generator/template';
import type { LiveFeed } from '../../local/live-types';
import { LakeQueryError, type LakeService } from './lake';
import { gateMiddleware } from './security';
import type { SendRequest, Sender } from './sender';
import { createLiveQueue } from './sse';
import { TemplateNameError, type TemplateLibrary } from './templates';

export interface ConsoleAppOptions {
  token: string;
  /** The port the server listens on (read per request: known only once it listens). */
  port: () => number;
  live: LiveFeed;
  templates: TemplateLibrary;
  sender: Sender;
  lake: LakeService;
  /** What the Generator tab offers as targets and the Lake tab as examples. */
  run: { stream?: string; deliveryStream?: string; exampleQueries: string[] };
  /** The names a send can go to now (the Generator's choices, and what an unknown name is told). */
  targets?: () => Promise<{ streams: string[]; deliveryStreams: { name: string; sourceStream?: string }[] }>;
  page: { html: string; script: () => Promise<string>; css: () => Promise<string> };
  /** Bound of each live connection's queue (tests make it small). */
  queueLimit?: number;
}

const MAX_PREVIEW = 100;

/** Each message serialised once, however many pages are open (messages are not changed once published). */
const texts = new WeakMap<object, string>();
function serialised(message: object): string {
  let text = texts.get(message);
  if (text === undefined) {
    text = JSON.stringify(message);
    texts.set(message, text);
  }
  return text;
}

/** A template error as the editor shows it: at its line and column. */
function templateProblem(error: unknown) {
  if (error instanceof TemplateError) {
    return { error: error.message, problem: error.problem, line: error.line, column: error.column };
  }
  return { error: (error as Error).message };
}

export function createConsoleApp(options: ConsoleAppOptions): Hono {
  const app = new Hono();
  app.use('*', gateMiddleware({ token: options.token, port: options.port }));

  app.get('/', (context) => context.html(options.page.html));
  app.get('/console.js', async (context) =>
    context.body(await options.page.script(), 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/console.css', async (context) =>
    context.body(await options.page.css(), 200, { 'Content-Type': 'text/css; charset=utf-8' }),
  );

  app.get('/api/run', (context) => context.json(options.run));
  app.get('/api/graph', (context) => context.json(options.live.graph()));

  app.get('/api/live', (context) =>
    streamSSE(context, async (stream) => {
      const queue = createLiveQueue(options.queueLimit);
      for (const message of options.live.snapshot()) queue.push(message);
      const unsubscribe = options.live.subscribe((message) => queue.push(message));
      let open = true;
      stream.onAbort(() => {
        open = false;
        unsubscribe();
      });
      try {
        while (open) {
          await queue.ready();
          for (const message of queue.take()) {
            await stream.writeSSE({ event: 'message', data: serialised(message) });
          }
        }
      } finally {
        unsubscribe();
      }
    }),
  );

  app.get('/api/templates', (context) => context.json(options.templates.list()));
  app.get('/api/templates/:name', (context) =>
    context.text(options.templates.read(context.req.param('name'))),
  );
  app.put('/api/templates/:name', async (context) => {
    options.templates.save(context.req.param('name'), await context.req.text());
    return context.json({ saved: context.req.param('name') });
  });
  app.post('/api/templates/:name/rename', async (context) => {
    const { to } = await context.req.json<{ to: string }>();
    options.templates.rename(context.req.param('name'), String(to));
    return context.json({ renamed: to });
  });
  app.delete('/api/templates/:name', (context) => {
    options.templates.remove(context.req.param('name'));
    return context.json({ deleted: context.req.param('name') });
  });

  app.post('/api/preview', async (context) => {
    const { template, count, seed } = await context.req.json<{
      template: string;
      count?: number;
      seed?: number;
    }>();
    try {
      const compiled = compileTemplate(String(template), { seed: seed ?? 1 });
      const n = Math.min(Math.max(1, Math.floor(count ?? 5)), MAX_PREVIEW);
      return context.json({ records: Array.from({ length: n }, () => compiled.render()) });
    } catch (error) {
      return context.json(templateProblem(error), 400);
    }
  });

  app.post('/api/generator/start', async (context) => {
    const request = await context.req.json<SendRequest>();
    try {
      await options.sender.start(request);
      return context.json({ started: true });
    } catch (error) {
      return context.json(templateProblem(error), 400);
    }
  });
  app.get('/api/targets', async (context) =>
    context.json((await options.targets?.()) ?? { streams: [], deliveryStreams: [] }),
  );
  app.post('/api/generator/stop', async (context) => {
    await options.sender.stop();
    return context.json({ stopped: true });
  });

  app.post('/api/lake/query', async (context) => {
    const { sql } = await context.req.json<{ sql: string }>();
    try {
      return context.json(await options.lake.query(String(sql)));
    } catch (error) {
      if (error instanceof LakeQueryError) {
        return context.json({ error: error.message, kind: error.kind }, error.kind === 'refused' ? 403 : 400);
      }
      throw error;
    }
  });
  app.get('/api/lake/partitions', (context) => context.json(options.lake.partitions()));

  app.onError((error, context) =>
    error instanceof TemplateNameError
      ? context.json({ error: error.message }, error.status)
      : context.json({ error: error.message }, 500),
  );
  return app;
}
