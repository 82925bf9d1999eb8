/**
 * Runs the real CLI (osls) from node_modules, offline: no credentials, no AWS config files, a home of its
 * own, and an esbuild work folder of its own so packages built side by side do not share files.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Template } from './cfn-spec';

const run = promisify(execFile);
export const ROOT = resolve(__dirname, '../../../..');
export const SLS = join(ROOT, 'node_modules/.bin/sls');

let workFolders = 0;

/** An environment with no AWS credentials or config, and its own HOME and esbuild work folder. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: mkdtempSync(join(tmpdir(), 'sls-home-')),
    SLS_TELEMETRY_DISABLED: '1',
    // npx (README commands) would otherwise ask the registry for a newer npm.
    NPM_CONFIG_UPDATE_NOTIFIER: 'false',
    ESBUILD_WORK_FOLDER: `.esbuild/test-${process.pid}-${++workFolders}`,
    ...extra,
  };
}

/** Removes what offlineEnv made: the home and the esbuild work folder (serverless-esbuild may leave it). */
export function cleanUp(env: NodeJS.ProcessEnv): void {
  rmSync(env.HOME!, { recursive: true, force: true });
  rmSync(join(ROOT, env.ESBUILD_WORK_FOLDER!), { recursive: true, force: true });
}

export interface Packaged {
  template: Template & { Resources: Template['Resources'] };
  output: string;
  /** Every file serverless left in the package folder but the zips (templates, serverless-state.json), by name. */
  state: Record<string, string>;
}

/** `sls package` into a fresh folder; the CloudFormation template it wrote. */
export async function slsPackage(args: string[] = [], extra: Record<string, string> = {}): Promise<Packaged> {
  const out = mkdtempSync(join(tmpdir(), 'sls-package-'));
  const env = offlineEnv(extra);
  try {
    const result = await run(SLS, ['package', '--package', out, ...args], {
      cwd: ROOT,
      env,
      timeout: 180_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
    const state = Object.fromEntries(
      readdirSync(out, { recursive: true, encoding: 'utf8' })
        .filter((file) => !file.endsWith('.zip') && !file.endsWith('/') && !file.includes('.zip'))
        .flatMap((file) => {
          try {
            return [[file, readFileSync(join(out, file), 'utf8')]];
          } catch {
            return []; // a folder
          }
        }),
    );
    return { template, output: result.stdout + result.stderr, state };
  } finally {
    cleanUp(env);
    rmSync(out, { recursive: true, force: true });
  }
}

/** `--param name=value` for each entry. */
export const params = (values: Record<string, string>): string[] =>
  Object.entries(values).flatMap(([name, value]) => ['--param', `${name}=${value}`]);
