/**
 * The modules that decide data's fate keep a mutation score of at least 90 % (issue #19). Stryker takes minutes
 * per module, too long for every CI run, so `npm run mutate` records each score in mutation-scores.json with
 * the hash of the source it was measured on, and this test (in `npm test`, so in CI) holds the ledger to
 * today's sources: a module changed since its score was measured fails here until it is measured again.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
/** The modules npm run mutate tests (stryker.config.mjs reads the same file). */
const MODULES = JSON.parse(readFileSync(join(ROOT, 'mutation-modules.json'), 'utf8')) as Record<
  string,
  string[]
>;
interface Entry {
  sourceSha256: string;
  killed: number;
  counted: number;
  score: number;
}
const ledger = JSON.parse(readFileSync(join(ROOT, 'mutation-scores.json'), 'utf8')) as Record<string, Entry>;

it('has a score for every module npm run mutate tests, and for nothing else', () => {
  expect(Object.keys(ledger).sort()).toEqual(Object.keys(MODULES).sort());
});

describe.each(Object.keys(MODULES))('%s', (module) => {
  it('was measured on the source it has today', () => {
    const today = createHash('sha256')
      .update(readFileSync(join(ROOT, module), 'utf8'))
      .digest('hex');
    if (ledger[module] === undefined) {
      throw new Error(`${module} has no mutation score recorded: run \`npm run mutate -- ${module}\``);
    }
    if (ledger[module].sourceSha256 !== today) {
      throw new Error(
        `${module} changed since its mutation score was measured: run \`npm run mutate -- ${module}\` and commit mutation-scores.json`,
      );
    }
  });

  it('kills at least 90 % of its mutants', () => {
    const entry = ledger[module];
    if (entry === undefined) throw new Error(`${module} has no mutation score recorded`);
    expect(entry.counted).toBeGreaterThan(0);
    expect(entry.killed).toBeLessThanOrEqual(entry.counted);
    expect(entry.score).toBeCloseTo((100 * entry.killed) / entry.counted, 1);
    expect(entry.score).toBeGreaterThanOrEqual(90);
  });
});
