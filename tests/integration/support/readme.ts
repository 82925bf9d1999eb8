import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/** A README section's text, from its `## heading` to the next. */
export function readmeSection(
  heading: string,
  readme = readFileSync(join(ROOT, 'README.md'), 'utf8'),
): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`README has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** The `sh` code blocks of a section, one array of commands per block: comments dropped, `\` lines joined. */
export function shellBlocks(section: string): string[][] {
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map(([, block]) =>
    block!
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
      .filter((line) => line !== ''),
  );
}

/** `export A=1 B=2` → { A: '1', B: '2' } (plain words only, as the README writes them). */
export function parseExport(line: string): Record<string, string> {
  const match = /^export\s+(.*)$/.exec(line);
  if (match === null) throw new Error(`not an export line: ${line}`);
  return Object.fromEntries(
    match[1]!.split(/\s+/).map((assignment) => {
      const equals = assignment.indexOf('=');
      if (equals < 1) throw new Error(`not NAME=value: ${assignment}`);
      return [assignment.slice(0, equals), assignment.slice(equals + 1)];
    }),
  );
}
