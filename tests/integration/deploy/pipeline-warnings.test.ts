/**
 * `sls package` prints pipeline.yml warnings (issue 18: `yyyy-mm-dd`, minutes for months) and packages;
 * with KPIPE_STRICT=1 it refuses the file, naming the field, the pattern and the fix.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, slsPackage } from './support/sls';

const dir = mkdtempSync(join(tmpdir(), 'sls-warnings-'));
const PIPELINE_FILE = join(dir, 'pipeline.yml');
writeFileSync(
  PIPELINE_FILE,
  readFileSync(join(ROOT, 'pipeline.yml'), 'utf8')
    .replace('pattern: yyyy-MM-dd', 'pattern: yyyy-mm-dd')
    .replace('schema: schemas/', `schema: ${join(ROOT, 'schemas')}/`),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WARNING =
  "partitioning.keys[1].timestamp.pattern: 'yyyy-mm-dd': 'mm' is minutes, beside a date with no month and no hour: the month was surely meant; write 'yyyy-MM-dd'";

describe('sls package with a date pattern that uses minutes for months', () => {
  it('warns, naming the field and the fix, and packages', async () => {
    const { output, template } = await slsPackage(['--stage', 'dev'], { PIPELINE_FILE });
    expect(output).toContain(`pipeline.yml warning: ${WARNING} (KPIPE_STRICT=1 makes this an error)`);
    expect(Object.keys(template.Resources).length).toBeGreaterThan(0);
  });

  it('fails under KPIPE_STRICT=1', async () => {
    const failure = await slsPackage(['--stage', 'dev'], { PIPELINE_FILE, KPIPE_STRICT: '1' }).then(
      () => undefined,
      (error: { code?: number; stdout?: string; stderr?: string }) => error,
    );
    expect(failure).toBeDefined();
    expect(failure?.code).not.toBe(0);
    expect(`${failure?.stdout}${failure?.stderr}`).toContain(
      `${WARNING} (a warning, refused in strict mode)`,
    );
  });
});
