/**
 * Runs the real CLI (osls) from node_modules, offline: no credentials, no AWS config files, a home of its
 * own, and an esbuild work folder of its own so packages built side by side do not share files.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
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
  try {
    return await packageInto(out, args, extra);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** What `sls package` wrote into `out`, the zips left there. */
async function packageInto(out: string, args: string[], extra: Record<string, string>): Promise<Packaged> {
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
  }
}

/** A package built once per test run and shared by the files that ask for the same configuration. */
export interface SharedPackage extends Packaged {
  /** The package folder, zips included; read only (other files read it too), removed when the run ends. */
  folder: string;
}

const SHARED_WAIT_MS = 300_000;

/**
 * `sls package` with these arguments, built once per jest run: the first file to ask builds it under the
 * run's folder (tests/support/integration-global.ts), the others wait for it. Packaging is most of the deploy
 * tests' time, and package.test.ts and packaged-zips.test.ts check the same configurations.
 */
export async function sharedPackage(
  args: string[],
  extra: Record<string, string> = {},
): Promise<SharedPackage> {
  const runFolder = process.env.KPIPE_TEST_PACKAGES;
  if (runFolder === undefined) {
    // Outside the integration project's global setup (a one-off script): a folder of its own.
    const folder = mkdtempSync(join(tmpdir(), 'sls-package-'));
    return { ...(await packageInto(folder, args, extra)), folder };
  }
  const key = createHash('sha256')
    .update(JSON.stringify([args, extra]))
    .digest('hex')
    .slice(0, 16);
  const folder = join(runFolder, key);
  const result = join(runFolder, `${key}.json`);
  let building = true;
  try {
    mkdirSync(folder);
  } catch {
    building = false;
  }
  if (building) {
    let outcome: { packaged?: Packaged; error?: string };
    try {
      outcome = { packaged: await packageInto(folder, args, extra) };
    } catch (error) {
      const failed = error as { message?: string; stdout?: string; stderr?: string };
      outcome = { error: [failed.message, failed.stdout, failed.stderr].filter(Boolean).join('\n') };
    }
    writeFileSync(`${result}.tmp`, JSON.stringify(outcome));
    renameSync(`${result}.tmp`, result);
  }
  const deadline = Date.now() + SHARED_WAIT_MS;
  while (!existsSync(result)) {
    if (Date.now() > deadline) throw new Error(`sls package ${args.join(' ')}: not built within 300 s`);
    await delay(250);
  }
  const outcome = JSON.parse(readFileSync(result, 'utf8')) as { packaged?: Packaged; error?: string };
  if (outcome.packaged === undefined)
    throw new Error(`sls package ${args.join(' ')} failed: ${outcome.error}`);
  return { ...outcome.packaged, folder };
}

/** `--param name=value` for each entry. */
export const params = (values: Record<string, string>): string[] =>
  Object.entries(values).flatMap(([name, value]) => ['--param', `${name}=${value}`]);
