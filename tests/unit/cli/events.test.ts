/** `kpipe events`: the sample event files it writes, what it prints, and the numbers it refuses. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kpipe } from '../../support/kpipe';

let out: string;

beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'kpipe-events-'));
});

afterEach(() => rmSync(out, { recursive: true, force: true }));

const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const kinesisRecords = (dir: string) =>
  (JSON.parse(read(dir, 'kinesis.json')) as { Records: { kinesis: { data: string } }[] }).Records.map(
    (record) => record.kinesis.data,
  );

it('writes the committed events/ files byte for byte by default, naming each', async () => {
  const target = join(out, 'nested', 'events');

  const result = await kpipe('events', '--out', target);

  const committed = readdirSync('events').sort();
  expect(result.code).toBe(0);
  expect(readdirSync(target).sort()).toEqual(committed);
  for (const name of committed) expect(read(target, name)).toBe(read('events', name));
  expect(result.stdout.split('\n').sort()).toEqual(committed.map((name) => `wrote ${join(target, name)}`));
  expect(result.stderr).toBe('');
});

it('takes --count records per event and a --seed, 0 included', async () => {
  await kpipe('events', '--out', join(out, 'a'), '--count', '2', '--seed', '0');
  await kpipe('events', '--out', join(out, 'b'), '--count', '2', '--seed', '0');
  await kpipe('events', '--out', join(out, 'c'), '--count', '2', '--seed', '1');

  expect(kinesisRecords(join(out, 'a'))).toHaveLength(2);
  expect(kinesisRecords(join(out, 'b'))).toEqual(kinesisRecords(join(out, 'a')));
  expect(kinesisRecords(join(out, 'c'))).not.toEqual(kinesisRecords(join(out, 'a')));
});

it.each([
  ['--count', '1.5', 'a positive integer'],
  ['--count', '0', 'a positive integer'],
  ['--count', '', 'a positive integer'],
  ['--seed', '1.5', 'an integer from 0 to 2^32-1'],
  ['--seed', '4294967296', 'an integer from 0 to 2^32-1'],
  ['--seed', 'abc', 'an integer from 0 to 2^32-1'],
])('refuses %s %j, naming what it takes, before writing anything (exit 2)', async (flag, value, expected) => {
  const result = await kpipe('events', '--out', join(out, 'never'), `${flag}=${value}`);

  expect(result.code).toBe(2);
  expect(result.stderr.split('\n')[0]).toBe(`kpipe events: ${flag} must be ${expected}, got "${value}"`);
  expect(readdirSync(out)).toEqual([]);
});
