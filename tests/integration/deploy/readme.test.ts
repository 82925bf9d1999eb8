/**
 * README "Deploy" is followed as written: its shell commands run in order, as a user would type them in the
 * project folder, up to and including the first `sls package` (everything after needs AWS). The template it
 * leaves in .serverless/ must then pass the same checks as the packaged configurations.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SpecChecker, type Template } from './support/cfn-spec';
import { iamProblems } from './support/iam';
import { cleanUp, offlineEnv, ROOT } from './support/sls';

const run = promisify(execFile);

/** The `sh` code blocks of a README section, as commands: comments dropped, `\` continuations joined. */
function sectionCommands(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`README has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap(([, block]) =>
    block!
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
      .filter((line) => line !== ''),
  );
}

describe('README "Deploy", followed up to sls package', () => {
  const commands = sectionCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'Deploy');
  const upToPackage = commands.slice(0, commands.findIndex((command) => /\bsls package\b/.test(command)) + 1);

  it('has its steps in order, packaging before deploying', () => {
    expect(upToPackage.length).toBeGreaterThan(0);
    expect(upToPackage.some((command) => /\bsls deploy\b/.test(command))).toBe(false);
    expect(commands.slice(upToPackage.length).some((command) => /\bsls deploy\b/.test(command))).toBe(true);
  });

  it('runs each command offline and leaves a template that passes the spec and IAM checks', async () => {
    // Prepare
    const started = Date.now();
    const env = offlineEnv();

    // Act: each step in its own shell, as typed
    try {
      for (const command of upToPackage) {
        await run('bash', ['-c', command], {
          cwd: ROOT,
          env,
          timeout: 180_000,
          maxBuffer: 10 * 1024 * 1024,
        }).catch((error: { stdout?: string; stderr?: string }) => {
          throw new Error(`README command failed: ${command}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
        });
      }
    } finally {
      cleanUp(env);
    }

    // Assess
    const file = join(ROOT, '.serverless/cloudformation-template-update-stack.json');
    expect(statSync(file).mtimeMs).toBeGreaterThanOrEqual(started - 1000);
    const template = JSON.parse(readFileSync(file, 'utf8')) as Template;
    const spec = await SpecChecker.load();
    expect(spec.check(template)).toEqual([]);
    expect(iamProblems(template)).toEqual([]);
    expect(Object.keys(template.Parameters ?? {})).toContain('ExistingStreamArn');
  }, 180_000);
});
