#!/usr/bin/env node
// `npm run mutate [-- <module>...]`: one Stryker run per module against its own tests (stryker.config.mjs),
// then each module's score; exits 1 if any module is under the 90 % break threshold. Each score is recorded in
// mutation-scores.json with the hash of the source it was measured on; a unit test (run by `npm test`, so by
// CI) fails when a module changed since its score was recorded. `--from-reports` records the scores of the
// last reports under reports/mutation/ without running Stryker again (when their source is today's).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { MODULES } from '../stryker.config.mjs';

const LEDGER = 'mutation-scores.json';
const fromReports = process.argv.includes('--from-reports');
const asked = process.argv.slice(2).filter((arg) => arg !== '--from-reports');
const unknown = asked.filter((name) => !(name in MODULES));
if (unknown.length > 0) {
  console.error(
    `mutate: unknown module ${unknown.join(', ')}; choose from:\n  ${Object.keys(MODULES).join('\n  ')}`,
  );
  process.exit(2);
}
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
let ledger = {};
try {
  ledger = JSON.parse(readFileSync(LEDGER, 'utf8'));
} catch {
  // No ledger yet: this run starts it.
}
const scores = [];
for (const module of asked.length > 0 ? asked : Object.keys(MODULES)) {
  const run = fromReports
    ? { status: 'not run' }
    : spawnSync('npx', ['stryker', 'run'], {
        stdio: 'inherit',
        env: { ...process.env, MUTATE_MODULE: module },
      });
  const report = `reports/mutation/${module.replaceAll('/', '_')}.json`;
  let killed = 0;
  let counted = 0;
  let measured;
  try {
    measured = JSON.parse(readFileSync(report, 'utf8')).files[module];
    for (const mutant of measured.mutants) {
      if (mutant.status === 'Ignored' || mutant.status === 'CompileError') continue;
      counted += 1;
      if (mutant.status === 'Killed' || mutant.status === 'Timeout') killed += 1;
    }
  } catch {
    scores.push({ module, score: NaN, note: `no report of it (stryker exit ${run.status})` });
    continue;
  }
  const score = (100 * killed) / counted;
  if (measured.source !== readFileSync(module, 'utf8')) {
    scores.push({
      module,
      score: NaN,
      note: `its report is of an older source: run npm run mutate -- ${module}`,
    });
    continue;
  }
  ledger[module] = {
    sourceSha256: sha256(measured.source),
    killed,
    counted,
    score: Number(score.toFixed(1)),
  };
  scores.push({ module, score, note: `${killed} of ${counted} mutants killed` });
}
const sorted = Object.fromEntries(Object.entries(ledger).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(LEDGER, `${JSON.stringify(sorted, null, 2)}\n`);
console.log('\nmutation scores (break at 90 %)');
for (const { module, score, note } of scores) {
  console.log(`  ${Number.isNaN(score) ? '  n/a ' : `${score.toFixed(1).padStart(5)}%`}  ${module}  ${note}`);
}
process.exit(scores.every(({ score }) => score >= 90) ? 0 : 1);
