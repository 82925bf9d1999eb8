/** `kpipe emulators` on a port something else holds: a message and exit 1, not s3rver's crash. */
import { createServer, type Server } from 'node:net';
import { main } from '../../../lib/cli/main';

let busy: Server;
let port: number;

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  port = (busy.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => busy.close(resolve));
});

it('names the busy port and the way out, and exits 1', async () => {
  // Prepare
  const printed: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((text: string) => printed.push(text));

  // Act
  let code: number;
  try {
    code = await main(['emulators', '--s3-port', String(port)]);
  } finally {
    spy.mockRestore();
  }

  // Assess
  expect(code).toBe(1);
  expect(printed.join('\n')).toBe(
    `kpipe emulators: port ${port} is in use (another kpipe emulators?); stop it or pass --s3-port`,
  );
});
