/**
 * The grammar of Java's `DateTimeFormatter.ofPattern` (Java 17, what Firehose's `!{timestamp:...}` takes):
 * letter runs, `'quoted'` text, `p` padding, `[ ]` optional sections and the reserved `{ } #`. A pattern
 * Java refuses is refused here, with the letter and its position; what each letter prints is in
 * timestamp-letters.ts.
 */

export class TimestampPatternError extends Error {
  override name = 'TimestampPatternError';
}

/** One parsed piece of a pattern: a run of one letter (maybe padded by `p`), or literal text. */
export interface FieldToken {
  kind: 'field';
  letter: string;
  count: number;
  position: number;
  padWidth?: number;
}
export type PatternToken = FieldToken | { kind: 'literal'; text: string };

/** Java's accepted counts per letter (DateTimeFormatterBuilder.parsePattern / parseField). */
const COUNTS: Record<string, { allowed: (count: number) => boolean; java: string }> = {};
function letters(chars: string, allowed: (count: number) => boolean, java: string): void {
  for (const char of chars) COUNTS[char] = { allowed, java };
}
const upTo = (max: number) => (count: number) => count <= max;
letters('GQqMLEe', upTo(5), '1 to 5');
letters('yuAnNg', upTo(19), '1 to 19'); // appendValue's width limit
letters('Y', () => true, 'any number of');
letters('dhHkKmsw', upTo(2), '1 or 2');
letters('D', upTo(3), '1 to 3');
letters('FWa', upTo(1), '1');
letters('S', upTo(9), '1 to 9');
letters('z', upTo(4), '1 to 4');
letters('ZXx', upTo(5), '1 to 5');
letters('c', (count) => count !== 2 && count <= 5, '1, 3, 4 or 5');
letters('V', (count) => count === 2, '2');
letters('Ov', (count) => count === 1 || count === 4, '1 or 4');
letters('B', (count) => count === 1 || count === 4 || count === 5, '1, 4 or 5');

export const PATTERN_LETTERS = [...Object.keys(COUNTS), 'p'].sort().join(''); // p pads the next field

const isLetter = (char: string | undefined): boolean =>
  char !== undefined && ((char >= 'A' && char <= 'Z') || (char >= 'a' && char <= 'z'));

/** Length of the run of `pattern[start]` starting at `start`. */
function runLength(pattern: string, start: number): number {
  let count = 1;
  while (pattern[start + count] === pattern[start]) count += 1;
  return count;
}

function checkedField(letter: string, count: number, position: number): FieldToken {
  const rule = COUNTS[letter];
  if (rule === undefined) {
    throw new TimestampPatternError(
      `unknown pattern letter '${letter}' at position ${position}; Java's letters are ${PATTERN_LETTERS}` +
        " (quote text: 'T')",
    );
  }
  if (!rule.allowed(count)) {
    throw new TimestampPatternError(
      `'${letter.repeat(count)}' at position ${position}: Java allows '${letter}' ${rule.java} time(s) in a row`,
    );
  }
  return { kind: 'field', letter, count, position };
}

/** Reads `'text'` at `start` (a quote); returns the text (`''` inside is one quote) and where it ends. */
function quoted(pattern: string, start: number): { text: string; end: number } {
  if (pattern[start + 1] === "'") return { text: "'", end: start + 2 };
  let text = '';
  let cursor = start + 1;
  for (;;) {
    if (cursor >= pattern.length) {
      throw new TimestampPatternError(
        `unterminated quoted literal starting at position ${start}; close it with ' (write '' for a quote)`,
      );
    }
    if (pattern[cursor] === "'") {
      if (pattern[cursor + 1] !== "'") return { text, end: cursor + 1 };
      cursor += 1;
    }
    text += pattern[cursor];
    cursor += 1;
  }
}

/**
 * Splits a pattern into letter runs and literals with Java's rules. `[` and `]` vanish: every field of an
 * instant in a zone is available, so Java always prints an optional section's content.
 */
export function tokenizePattern(pattern: string): PatternToken[] {
  if (pattern === '') throw new TimestampPatternError('pattern is empty');
  const tokens: PatternToken[] = [];
  const pushLiteral = (value: string): void => {
    const last = tokens[tokens.length - 1];
    if (last?.kind === 'literal') last.text += value;
    else if (value !== '') tokens.push({ kind: 'literal', text: value });
  };
  let openSections = 0;
  let index = 0;
  while (index < pattern.length) {
    const char = pattern[index] as string;
    if (isLetter(char)) {
      let count = runLength(pattern, index);
      if (char === 'p') {
        const padWidth = count;
        const next = index + count;
        if (!isLetter(pattern[next])) {
          throw new TimestampPatternError(
            `pad letter 'p' at position ${index} must be followed by a pattern letter (as in ppH)`,
          );
        }
        count = runLength(pattern, next);
        tokens.push({ ...checkedField(pattern[next] as string, count, next), padWidth });
        index = next + count;
        continue;
      }
      tokens.push(checkedField(char, count, index));
      index += count;
    } else if (char === "'") {
      const literal = quoted(pattern, index);
      pushLiteral(literal.text);
      index = literal.end;
    } else if (char === '[' || char === ']') {
      if (char === ']' && openSections === 0) {
        throw new TimestampPatternError(`']' at position ${index} closes no '['; quote it as ']'`);
      }
      openSections += char === '[' ? 1 : -1;
      index += 1;
    } else if (char === '{' || char === '}' || char === '#') {
      throw new TimestampPatternError(
        `reserved character '${char}' at position ${index}; quote it as '${char}'`,
      );
    } else {
      pushLiteral(char);
      index += 1;
    }
  }
  return tokens;
}
