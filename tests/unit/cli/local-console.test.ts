import { run, USAGE } from '../../../lib/cli/local';

it.each(['0', '65536', 'abc', '-1', '80.5'])(
  '--console-port %s is refused before anything starts',
  async (port) => {
    await expect(run([`--console-port=${port}`])).rejects.toThrow(
      /--console-port must be a number from 1 to 65535|--console-port must be a whole number/,
    );
    expect(process.listenerCount('SIGINT')).toBe(0);
  },
);

it('the usage names the console flags', () => {
  expect(USAGE).toMatch(/--console-port <n>/);
  expect(USAGE).toMatch(/--no-console/);
});
