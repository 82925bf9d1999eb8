/**
 * Bundles as `sls package` builds them, loaded in a fresh `node` (the bundle tests: lazy chunks, the packaged
 * credential chain). The new process reports on one line of its own, after a marker, as JSON.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BuildOptions } from 'esbuild';

const run = promisify(execFile);

/** The esbuild options serverless-esbuild's output shares, without minification (faster; names kept). */
export const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'silent',
} as const satisfies BuildOptions;

/** Prints `value` as JSON on a line of its own after `marker`: the script side of `reportOfFreshNode`. */
export const printReport = (marker: string, value: string): string =>
  `process.stdout.write('\\n${marker}' + JSON.stringify(${value}) + '\\n')`;

/** Runs `script` in a fresh `node` with `env` only (plus PATH) and returns what it reported after `marker`. */
export async function reportOfFreshNode<T>(
  script: string,
  marker: string,
  options: { cwd: string; env: Record<string, string | undefined> },
): Promise<T> {
  const { stdout } = await run(process.execPath, ['-e', script], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env },
  });
  const line = stdout.split('\n').find((text) => text.startsWith(marker));
  if (line === undefined) throw new Error(`the fresh node reported nothing after "${marker}":\n${stdout}`);
  return JSON.parse(line.slice(marker.length)) as T;
}
