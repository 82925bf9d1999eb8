/**
 * Java patterns that are valid but surely not what was meant beside a date (issue 18): `yyyy-mm-dd` prints
 * minutes as the month (`2025-07-01` filed as `2025-00-01`), and so on. Warnings, not errors, since Java and
 * Firehose take them; `kpipe local --strict` / `KPIPE_STRICT=1 sls package` make them errors.
 */
import { tokenizePattern, type FieldToken } from './timestamp-pattern';

const has = (fields: FieldToken[], letters: string): boolean =>
  fields.some((field) => letters.includes(field.letter));

/** The pattern with one letter run replaced by the same count of another letter. */
function withLetter(pattern: string, field: FieldToken, letter: string): string {
  return (
    pattern.slice(0, field.position) +
    letter.repeat(field.count) +
    pattern.slice(field.position + field.count)
  );
}

interface Rule {
  applies: (field: FieldToken, fields: FieldToken[]) => boolean;
  fix: string;
  why: string;
}

const DATE = 'yuYdD';

/** Each rule flags one letter run; `why` names what it prints and what the pattern around it suggests. */
const RULES: Record<string, Rule> = {
  m: {
    applies: (_field, fields) => has(fields, DATE) && !has(fields, 'MLHhkK'),
    fix: 'M',
    why: 'is minutes, beside a date with no month and no hour: the month was surely meant',
  },
  h: {
    applies: (_field, fields) => has(fields, DATE + 'ML') && !has(fields, 'aB'),
    fix: 'H',
    why: 'is the 12-hour clock with no AM/PM (a), so 01:00 and 13:00 share a folder',
  },
  Y: {
    applies: (_field, fields) => has(fields, 'MLdD') && !has(fields, 'we'),
    fix: 'y',
    why: 'is the week-based year, which differs from the calendar year around New Year (2024-12-29 is in 2025)',
  },
  D: {
    applies: (field, fields) => field.count <= 2 && has(fields, 'ML'),
    fix: 'd',
    why: 'is the day of the year, beside a month: the day of the month was surely meant',
  },
};

/** Warnings for one pattern, each naming the run, what it prints and the fixed pattern; [] if it is invalid. */
export function lintTimestampPattern(pattern: string): string[] {
  let fields: FieldToken[];
  try {
    fields = tokenizePattern(pattern).filter((token): token is FieldToken => token.kind === 'field');
  } catch {
    return []; // an invalid pattern is an error, reported where the pattern is compiled
  }
  return fields.flatMap((field) => {
    const rule = RULES[field.letter];
    if (rule === undefined || !rule.applies(field, fields)) return [];
    const run = field.letter.repeat(field.count);
    return [`'${pattern}': '${run}' ${rule.why}; write '${withLetter(pattern, field, rule.fix)}'`];
  });
}
