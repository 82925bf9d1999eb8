// Mutation testing of the modules that decide data's fate: `npm run mutate` runs each module against its own
// unit tests (the table below), one Stryker run per module; `npm run mutate -- lib/sinks/retry.ts` runs one.
// Equivalent mutants are marked in the source with `// Stryker disable next-line <mutator>: <why>`.
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';
import jestConfig from './jest.config.js';

/** Each module and the unit tests that must kill its mutants (mutation-modules.json, read by tests/unit/mutation). */
export const MODULES = JSON.parse(readFileSync(new URL('./mutation-modules.json', import.meta.url), 'utf8'));

const module = process.env.MUTATE_MODULE;
if (module !== undefined && !(module in MODULES)) {
  throw new Error(`MUTATE_MODULE ${module} is not one of: ${Object.keys(MODULES).join(', ')}`);
}
const modules = module === undefined ? Object.keys(MODULES) : [module];
// Unit tests only (the integration tests start emulators), and only the modules' own.
const [unit] = jestConfig.projects;
const testMatch = [...new Set(modules.flatMap((name) => MODULES[name]))].map((path) => `<rootDir>/${path}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { projectType: 'custom', config: { ...unit, testMatch }, enableFindRelatedTests: false },
  mutate: modules,
  coverageAnalysis: 'perTest',
  // The machine is shared: at most two test processes (MUTATE_CONCURRENCY=1 for one).
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  // Reruns test only the mutants whose code or tests changed since the module's last run.
  incremental: true,
  incrementalFile: `reports/mutation/${(module ?? 'all').replaceAll('/', '_')}.incremental.json`,
  // A mutant that loops forever costs this much on top of its tests' own time: keep it short.
  timeoutMS: Number(process.env.MUTATE_TIMEOUT_MS ?? 5_000),
  dryRunTimeoutMinutes: 15,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: `reports/mutation/${(module ?? 'all').replaceAll('/', '_')}.json` },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['.local', '.serverless', '.esbuild', 'reports', 'coverage'],
};
