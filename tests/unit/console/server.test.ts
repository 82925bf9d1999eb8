import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConsoleApp } from '../../../lib/console/server/app';
import { createLakeService } from '../../../lib/console/server/lake';
import { newToken } from '../../../lib/console/server/security';
import { createSender } from '../../../lib/console/server/sender';
import { createTemplateLibrary } from '../../../lib/console/server/templates';
import { createMemorySink } from '../../../lib/generator/sinks';
import { createLiveChannel } from '../../../lib/local/live';
import type { LiveMessage } from '../../../lib/local/live-types';
import { writeLake } from '../lake/lake-fixture';

const PORT = 4567;
const HOST = `127.0.0.1:${PORT}`;

let templatesDir: string;
let stateDir: string;
let app: ReturnType<typeof createConsoleApp>;
let token: string;
const live = createLiveChannel();
const memory = createMemorySink();
const lake = { service: undefined as ReturnType<typeof createLakeService> | undefined };

beforeAll(async () => {
  stateDir = await writeLake();
  lake.service = createLakeService({
    stateDir,
    layout: { lake: 'curated/', raw: 'raw/', errors: 'errors/' },
  });
});
afterAll(() => {
  lake.service?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

beforeEach(() => {
  templatesDir = mkdtempSync(join(tmpdir(), 'kpipe-templates-'));
  cpSync('templates', templatesDir, { recursive: true });
  token = newToken();
  app = createConsoleApp({
    token,
    port: () => PORT,
    live,
    templates: createTemplateLibrary(templatesDir),
    sender: createSender({ publish: live.publish, endpoints: () => ({}), sinks: () => memory }),
    lake: lake.service!,
    run: { stream: 'clickstream', exampleQueries: ['SELECT 1'] },
    page: { html: '<p>page</p>', script: async () => 'js', css: async () => 'css' },
    queueLimit: 4,
  });
});
afterEach(() => rmSync(templatesDir, { recursive: true, force: true }));

/** A request as the console's own page sends it, with `change` applied to its headers. */
function call(path: string, init: RequestInit = {}, headers: Record<string, string | undefined> = {}) {
  const all: Record<string, string | undefined> = { host: HOST, 'x-console-token': token, ...headers };
  const defined = Object.fromEntries(
    Object.entries(all).filter(([, value]) => value !== undefined),
  ) as Record<string, string>;
  return app.request(path, { ...init, headers: { ...defined, ...(init.headers as Record<string, string>) } });
}

describe('the gate', () => {
  it('serves the page with the token in the query and the API with it in a header', async () => {
    const page = await call(`/?token=${token}`, {}, { 'x-console-token': undefined });
    const api = await call('/api/run');

    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<p>page</p>');
    expect(await api.json()).toEqual({ stream: 'clickstream', exampleQueries: ['SELECT 1'] });
  });

  it.each([
    ['no token', { 'x-console-token': undefined }, /no token/],
    ['a wrong token', { 'x-console-token': 'x'.repeat(43) }, /wrong token/],
    ['a token of another length', { 'x-console-token': 'abc' }, /wrong token/],
    ['a rebound DNS name', { host: `evil.example:${PORT}` }, /Host "evil.example:4567"/],
    ['another port', { host: '127.0.0.1:1' }, /Host/],
    ['no Host', { host: undefined }, /Host ""/],
    [
      'another site',
      { origin: 'https://evil.example' },
      /cross-site request from Origin "https:\/\/evil.example"/,
    ],
    ['the same host over another scheme', { origin: `https://${HOST}` }, /cross-site/],
    ['the opaque origin of a sandboxed page', { origin: 'null' }, /cross-site/],
  ])('refuses %s with a 403 naming the cause', async (_case, headers, cause) => {
    for (const path of ['/', '/api/run', '/api/live', '/api/templates', '/console.js']) {
      const response = await call(path, {}, headers);

      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(cause);
    }
  });

  it("accepts localhost and the page's own Origin", async () => {
    const response = await call(
      '/api/run',
      {},
      { host: `localhost:${PORT}`, origin: `http://localhost:${PORT}` },
    );

    expect(response.status).toBe(200);
  });

  it('a token is at least 128 random bits, new each time', () => {
    const tokens = new Set(Array.from({ length: 50 }, newToken));

    expect(tokens.size).toBe(50);
    expect(Buffer.from(newToken(), 'base64url').length).toBeGreaterThanOrEqual(16);
  });
});

describe('templates', () => {
  it("lists the shipped templates and saves, reads, renames and deletes the user's own", async () => {
    const save = await call('/api/templates/my-clicks', {
      method: 'PUT',
      body: '{"n": {{random.number(9)}}}',
    });
    const listed = (await (await call('/api/templates')).json()) as { name: string; shipped: boolean }[];

    expect(save.status).toBe(200);
    expect(readFileSync(join(templatesDir, 'my-clicks.tpl'), 'utf8')).toBe('{"n": {{random.number(9)}}}');
    expect(listed).toContainEqual(expect.objectContaining({ name: 'clickstream', shipped: true }));
    expect(listed).toContainEqual(expect.objectContaining({ name: 'my-clicks', shipped: false }));

    await call('/api/templates/my-clicks/rename', {
      method: 'POST',
      body: JSON.stringify({ to: 'renamed' }),
    });
    expect(await (await call('/api/templates/renamed')).text()).toBe('{"n": {{random.number(9)}}}');
    expect(existsSync(join(templatesDir, 'my-clicks.tpl'))).toBe(false);

    expect((await call('/api/templates/renamed', { method: 'DELETE' })).status).toBe(200);
    expect(existsSync(join(templatesDir, 'renamed.tpl'))).toBe(false);
  });

  it('a shipped template is read-only: saving over it, renaming or deleting it is refused', async () => {
    const before = readFileSync(join(templatesDir, 'clickstream.tpl'), 'utf8');
    const responses = [
      await call('/api/templates/clickstream', { method: 'PUT', body: 'x' }),
      await call('/api/templates/clickstream', { method: 'DELETE' }),
      await call('/api/templates/clickstream/rename', { method: 'POST', body: JSON.stringify({ to: 'x' }) }),
    ];

    expect(responses.map((response) => response.status)).toEqual([409, 409, 409]);
    expect(readFileSync(join(templatesDir, 'clickstream.tpl'), 'utf8')).toBe(before);
  });

  it.each([
    '../x',
    '..',
    '/etc/passwd',
    'a/b',
    'a\\b',
    'x\u0000y',
    '.hidden',
    'x.tpl',
    '',
    'a'.repeat(65),
    'é',
  ])('refuses the name %j on every route', async (name) => {
    const path = `/api/templates/${encodeURIComponent(name)}`;
    const responses = [
      await call(path, { method: 'PUT', body: 'x' }),
      await call(path),
      await call(path, { method: 'DELETE' }),
      await call('/api/templates/ok/rename', { method: 'POST', body: JSON.stringify({ to: name }) }),
    ];

    for (const response of responses) {
      expect([400, 404]).toContain(response.status);
    }
    expect(await responses[0]!.text()).toMatch(/refused: use 1 to 64 letters|Not Found/);
    expect(existsSync(join(templatesDir, '..', 'x.tpl'))).toBe(false);
  });
});

describe('preview and sending', () => {
  it('renders N records with a seed, the same each time', async () => {
    const body = JSON.stringify({ template: '{"n": {{random.number(1000)}}}', count: 3, seed: 7 });
    const first = (await (await call('/api/preview', { method: 'POST', body })).json()) as {
      records: string[];
    };
    const second = (await (await call('/api/preview', { method: 'POST', body })).json()) as {
      records: string[];
    };

    expect(first.records).toHaveLength(3);
    expect(first.records).toEqual(second.records);
  });

  it('a template error says its line and column', async () => {
    const template = '{\n  "a": 1,\n  "b": {{nosuch.helper()}}\n}';
    const response = await call('/api/preview', { method: 'POST', body: JSON.stringify({ template }) });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(expect.objectContaining({ line: 3, column: 8 }));
  });

  it('sends records to the sink and publishes generator counters on the live channel', async () => {
    const messages: LiveMessage[] = [];
    const unsubscribe = live.subscribe((message) => message.type === 'generator' && messages.push(message));
    const start = await call('/api/generator/start', {
      method: 'POST',
      body: JSON.stringify({
        template: '{"i": {{random.number(5)}}}',
        target: { kind: 'stream', name: 's' },
        count: 25,
      }),
    });
    await new Promise<void>((resolve) => {
      const poll = () => (messages.at(-1)?.state === 'done' ? resolve() : setImmediate(poll));
      poll();
    });
    unsubscribe();

    expect(start.status).toBe(200);
    expect(messages.at(-1)).toEqual(
      expect.objectContaining({ state: 'done', sent: 25, acknowledged: 25, failed: 0 }),
    );
    expect(memory.records.length).toBeGreaterThanOrEqual(25);
  });

  it('a send with neither count nor duration is refused, with the way out', async () => {
    const response = await call('/api/generator/start', {
      method: 'POST',
      body: JSON.stringify({ template: '{}', target: { kind: 'stream', name: 's' } }),
    });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/give a record count or a duration/);
  });
});

describe('the lake over HTTP', () => {
  const query = (sql: string) => call('/api/lake/query', { method: 'POST', body: JSON.stringify({ sql }) });

  it('runs a read-only query and lists the partitions', async () => {
    const response = await query('SELECT event_type, count(*) AS n FROM lake GROUP BY ALL ORDER BY 1');
    const partitions = await (await call('/api/lake/partitions')).json();

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(
      expect.objectContaining({
        rows: [
          ['click', '3'],
          ['purchase', '2'],
        ],
        truncated: false,
      }),
    );
    expect(partitions).toContain('event_type=click/dt=2026-12-01');
  });

  it.each([
    `COPY (SELECT 1) TO '/tmp/kpipe-console-attack.csv'`,
    `SELECT * FROM read_text('/etc/passwd')`,
    `ATTACH '/tmp/kpipe-console-attack.db' AS x`,
    `INSTALL httpfs`,
    `LOAD httpfs`,
    `SET enable_external_access = true`,
    `SELECT 1; SELECT 2`,
  ])('refuses %s with a 403', async (sql) => {
    const response = await query(sql);

    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toMatch(/refused|one statement at a time/);
    expect(existsSync('/tmp/kpipe-console-attack.csv')).toBe(false);
    expect(existsSync('/tmp/kpipe-console-attack.db')).toBe(false);
  });

  it('a 1,000-row result comes back within 200 ms', async () => {
    await query('SELECT 1');
    const started = performance.now();
    const response = await query('SELECT range AS i, range * 2 AS j FROM range(1000)');
    const elapsed = performance.now() - started;
    const body = (await response.json()) as { rows: unknown[] };

    expect(body.rows).toHaveLength(1000);
    expect(elapsed).toBeLessThan(200);
  });
});

describe('the live feed', () => {
  it('sends the snapshot, then what is published', async () => {
    live.publish({ type: 'stages', at: 1, n: 1 });
    const controller = new AbortController();
    const response = await call('/api/live', { signal: controller.signal });
    const reader = response.body!.getReader();
    live.publish({ type: 'stages', at: 2, n: 2 });
    let text = '';
    while (!text.includes('"n":2')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    await reader.cancel();

    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(text.indexOf('"n":1')).toBeLessThan(text.indexOf('"n":2'));
  });
});

describe('a page that does not read', () => {
  it('neither slows the publisher nor makes the server hold more than its bounded queue', async () => {
    const controller = new AbortController();
    const response = await call('/api/live', { signal: controller.signal });
    const reader = response.body!.getReader();
    const started = performance.now();
    for (let i = 0; i < 20_000; i += 1) live.publish({ type: 'error', at: i, i });
    const elapsed = performance.now() - started;
    live.publish({ type: 'error', at: 0, i: 'last' });
    let text = '';
    while (!text.includes('"i":"last"')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    await reader.cancel();
    const received = text.match(/"type":"error"/g)?.length ?? 0;

    expect(elapsed).toBeLessThan(1000);
    // The queue holds 4; the stream's own buffer a few more. Without the queue all 20,001 would wait.
    expect(received).toBeLessThan(100);
  });
});
