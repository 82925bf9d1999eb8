/**
 * `npm run bench [filter]`: runs every bench/*.bench.ts (or those whose file name contains the filter).
 * Each file exports `default async function (): Promise<void>` that calls runBench for its cases.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const filter = process.argv[2] ?? '';
  const files = readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.ts') && file.includes(filter))
    .sort();
  if (files.length === 0) throw new Error(`no benchmark matches "${filter}"`);
  for (const file of files) {
    console.log(`\n# ${file}`);
    const module = (await import(join(__dirname, file))) as { default: () => Promise<void> };
    await module.default();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
