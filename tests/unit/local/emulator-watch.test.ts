/**
 * The dead-emulator watch: a live endpoint is left alone, a closed or hung one is reported after the set
 * number of failed health calls, a process that exits is reported at once, and a stopped watch reports
 * nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../../lib/aws/clients';
import { answerClock, watchEmulators, type EmulatorDown } from '../../../lib/local/emulator-watch';
import { localOverrides } from '../../../lib/local/emulators';

const fast = { intervalMs: 20, timeoutMs: 200, failures: 2 };

async function serve(answer: boolean): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((_request, response) => {
    if (answer) response.writeHead(400).end('{"__type":"UnknownOperationException"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** The report, or undefined if none came within `ms`. */
const within = (down: Promise<EmulatorDown>, ms: number) =>
  Promise.race([down, delay(ms, undefined, { ref: false }).then(() => undefined)]);

it('leaves an emulator that answers (an error status is an answer) alone', async () => {
  const { server, endpoint } = await serve(true);
  const watch = watchEmulators([{ name: 'kinesalite', endpoint, remedy: 'run it again' }], fast);
  try {
    expect(await within(watch.down, 600)).toBeUndefined();
  } finally {
    watch.stop();
    await close(server);
  }
});

it('reports an endpoint that went away, naming it, the cause and the way out', async () => {
  const { server, endpoint } = await serve(true);
  await close(server);
  const watch = watchEmulators(
    [{ name: 'the Kinesis emulator of --kinesis-endpoint', endpoint, remedy: 'start it again' }],
    fast,
  );
  const down = await within(watch.down, 2_000);
  expect(down?.cause).toMatch(/^stopped answering \(2 health calls in a row: ECONNREFUSED\)$/);
  expect(down?.line).toBe(
    `kpipe: the Kinesis emulator of --kinesis-endpoint (${endpoint}) ${down?.cause}: the run stops now; start it again`,
  );
});

it('reports a hung endpoint (it accepts, never answers) after the timeouts', async () => {
  const { server, endpoint } = await serve(false);
  const started = Date.now();
  const watch = watchEmulators([{ name: 's3rver', endpoint, remedy: 'x' }], fast);
  try {
    const down = await within(watch.down, 3_000);
    expect(down?.cause).toBe('stopped answering (2 health calls in a row: no answer within 200 ms)');
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  } finally {
    await close(server);
  }
});

it('reports its own process exiting at once, and nothing once stopped', async () => {
  const { server, endpoint } = await serve(true);
  try {
    let exit!: (how: string) => void;
    const exited = new Promise<string>((resolve) => (exit = resolve));
    const watch = watchEmulators([{ name: 'kinesalite', endpoint, exited, remedy: 'run it again' }], fast);
    exit('killed by SIGKILL');
    const down = await within(watch.down, 100);
    expect(down?.cause).toBe('exited (killed by SIGKILL)');

    let exitLater!: (how: string) => void;
    const stopped = watchEmulators(
      [{ name: 'kinesalite', endpoint, exited: new Promise((resolve) => (exitLater = resolve)), remedy: '' }],
      fast,
    );
    stopped.stop();
    exitLater('exit code 0');
    expect(await within(stopped.down, 200)).toBeUndefined();
  } finally {
    await close(server);
  }
});

it('excuses a slow health call while the run’s own requests get answers (busy, not hung)', async () => {
  const { server, endpoint } = await serve(false);
  const watch = watchEmulators(
    [{ name: 'kinesis-mock', endpoint, remedy: 'x', answeredAt: () => Date.now() }],
    fast,
  );
  try {
    expect(await within(watch.down, 900)).toBeUndefined();
  } finally {
    watch.stop();
    await close(server);
  }
});

it('answerClock records an SDK answer, an error status included, and not a connection failure', async () => {
  const { server, endpoint } = await serve(true);
  const kinesis = createKinesisClient({ env: {}, overrides: localOverrides(endpoint) });
  const refused = createKinesisClient({
    env: {},
    overrides: { ...localOverrides('http://127.0.0.1:1'), maxAttempts: 1 },
  });
  try {
    const answered = answerClock(kinesis);
    const never = answerClock(refused);
    const before = Date.now();
    await expect(kinesis.send(new ListStreamsCommand({}))).rejects.toThrow();
    await expect(refused.send(new ListStreamsCommand({}))).rejects.toThrow();
    expect(answered()).toBeGreaterThanOrEqual(before);
    expect(never()).toBe(0);
  } finally {
    kinesis.destroy();
    refused.destroy();
    await close(server);
  }
});
