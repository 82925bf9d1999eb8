#!/usr/bin/env node
// `npm run mutate [-- <module>...]`: one Stryker run per module against its own tests (stryker.config.mjs),
// then each module's score; exits 1 if any module is under the 90 % break threshold.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MODULES } from '../stryker.config.mjs';

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in MODULES));
if (unknown.length > 0) {
  console.error(
    `mutate: unknown module ${unknown.join(', ')}; choose from:\n  ${Object.keys(MODULES).join('\n  ')}`,
  );
  process.exit(2);
}
const scores = [];
for (const module of asked.length > 0 ? asked : Object.keys(MODULES)) {
  const run = spawnSync('npx', ['stryker', 'run'], {
    stdio: 'inherit',
    env: { ...process.env, MUTATE_MODULE: module },
  });
  const report = `reports/mutation/${module.replaceAll('/', '_')}.json`;
  let killed = 0;
  let counted = 0;
  try {
    const files = JSON.parse(readFileSync(report, 'utf8')).files;
    for (const mutant of Object.values(files).flatMap((file) => file.mutants)) {
      if (mutant.status === 'Ignored' || mutant.status === 'CompileError') continue;
      counted += 1;
      if (mutant.status === 'Killed' || mutant.status === 'Timeout') killed += 1;
    }
  } catch {
    scores.push({ module, score: NaN, note: `no report (stryker exit ${run.status})` });
    continue;
  }
  scores.push({ module, score: (100 * killed) / counted, note: `${killed} of ${counted} mutants killed` });
}
console.log('\nmutation scores (break at 90 %)');
for (const { module, score, note } of scores) {
  console.log(`  ${Number.isNaN(score) ? '  n/a ' : `${score.toFixed(1).padStart(5)}%`}  ${module}  ${note}`);
}
process.exit(scores.every(({ score }) => score >= 90) ? 0 : 1);
