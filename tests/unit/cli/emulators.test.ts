/**
 * `kpipe emulators`: s3rver with the sample object until Ctrl-C. s3rver itself is mocked (startS3rver) and
 * S3 with aws-sdk-client-mock; the port checks are real.
 */
import { createServer, type Server } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { exportsFor } from '../../../lib/cli/emulators';
import { sampleRawObject } from '../../../lib/events/samples';
import { freePort, startS3rver, type S3Emulator } from '../../../lib/local/emulators';
import { loadPipeline } from '../../../lib/pipeline/load';
import { kpipe, startKpipe } from '../../support/kpipe';

jest.mock('../../../lib/local/emulators', () => ({
  ...jest.requireActual<object>('../../../lib/local/emulators'),
  startS3rver: jest.fn(),
}));

const s3 = mockClient(S3Client);
const start = jest.mocked(startS3rver);
const object = sampleRawObject(loadPipeline().config);
let port: number;
let listeners: { SIGINT: number; SIGTERM: number };

/** An s3rver that runs until stop(), or until `die` says how it ended. */
function fakeS3rver() {
  let die = (_how: string) => {};
  const exited = new Promise<string>((resolve) => (die = resolve));
  const emulator: S3Emulator = {
    endpoint: `http://127.0.0.1:${port}`,
    directory: '/tmp/s3rver-x',
    exited,
    stop: jest.fn(async () => {}),
  };
  start.mockResolvedValue(emulator);
  return { emulator, die: (how: string) => die(how) };
}

const count = () => ({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') });

beforeEach(async () => {
  s3.reset();
  start.mockReset();
  port = await freePort();
  listeners = count();
});

afterEach(() => expect(count()).toEqual(listeners));

it('puts the sample object, prints where it is and the exports, and stops s3rver on Ctrl-C (exit 0)', async () => {
  const { emulator } = fakeS3rver();
  s3.on(PutObjectCommand).resolves({});
  const run = startKpipe(['emulators', '--s3-port', String(port)]);

  await run.printed(/Ctrl-C stops the emulator/);
  expect(count()).toEqual({ SIGINT: listeners.SIGINT + 1, SIGTERM: listeners.SIGTERM + 1 });
  expect(emulator.stop).not.toHaveBeenCalled();
  process.emit('SIGINT');
  const result = await run.done;

  expect(result.code).toBe(0);
  expect(start).toHaveBeenCalledWith({ port, buckets: [object.bucket] });
  const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
  expect({ bucket: put.Bucket, key: put.Key }).toEqual({ bucket: object.bucket, key: object.key });
  expect(
    gunzipSync(put.Body as Buffer)
      .toString()
      .trimEnd()
      .split('\n'),
  ).toHaveLength(5);
  expect(result.stdout.split('\n')).toEqual([
    `s3rver on http://127.0.0.1:${port}: bucket ${object.bucket}, with s3://${object.bucket}/${object.key}`,
    '  (5 sample records, the object events/s3-object-created.json names)',
    'In another shell:',
    exportsFor(`http://127.0.0.1:${port}`, object.bucket),
    'Ctrl-C stops the emulator (its data is removed).',
  ]);
  expect(emulator.stop).toHaveBeenCalledTimes(1);
});

it('stops on SIGTERM too, and removes its Ctrl-C handler with it', async () => {
  const { emulator } = fakeS3rver();
  const run = startKpipe(['emulators', '--s3-port', String(port)]);
  await run.printed(/Ctrl-C stops the emulator/);

  // Its own handler only: emitting SIGTERM would reach the test runner's as well.
  const handler = process.listeners('SIGTERM').at(-1) as () => void;
  handler();

  expect((await run.done).code).toBe(0);
  expect(emulator.stop).toHaveBeenCalledTimes(1);
});

it('says when s3rver ends on its own, with the way out, and exits 1', async () => {
  const { emulator, die } = fakeS3rver();
  const run = startKpipe(['emulators', '--s3-port', String(port)]);
  await run.printed(/Ctrl-C stops the emulator/);

  die('killed by SIGKILL');
  const result = await run.done;

  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    'kpipe emulators: s3rver ended on its own (killed by SIGKILL); run kpipe emulators again',
  );
  // Its folder is removed all the same.
  expect(emulator.stop).toHaveBeenCalledTimes(1);
});

it('stops s3rver when the object cannot be put, and fails with the error', async () => {
  const { emulator } = fakeS3rver();
  s3.on(PutObjectCommand).rejects(new Error('connect ECONNREFUSED 127.0.0.1'));

  await expect(kpipe('emulators', '--s3-port', String(port))).rejects.toThrow(
    'connect ECONNREFUSED 127.0.0.1',
  );
  expect(emulator.stop).toHaveBeenCalledTimes(1);
});

describe('a busy port', () => {
  let busy: Server;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
  });

  it('is named with the way out: exit 1, not s3rver crashing', async () => {
    const taken = (busy.address() as { port: number }).port;

    const result = await kpipe('emulators', '--s3-port', String(taken));

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `kpipe emulators: port ${taken} is in use (another kpipe emulators?); stop it or pass --s3-port`,
    );
    expect(start).not.toHaveBeenCalled();
  });
});

it.each(['0', '65536', '80.5', 'http'])(
  'refuses --s3-port %j before starting anything (exit 2)',
  async (value) => {
    const result = await kpipe('emulators', `--s3-port=${value}`);

    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      `kpipe emulators: --s3-port must be a port from 1 to 65535, got "${value}"`,
    );
    expect(start).not.toHaveBeenCalled();
  },
);

it('exports what `sls invoke local` needs to reach s3rver', () => {
  expect(exportsFor('http://127.0.0.1:4569', 'b')).toBe(
    'export AWS_ENDPOINT_URL_S3=http://127.0.0.1:4569 AWS_REGION=us-east-1 ' +
      'AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER BUCKET_NAME=b',
  );
});
