/**
 * Passing a record's own text on when nothing changed it: no re-serialisation (the largest per-record cost
 * after parsing), and the producer's exact bytes kept (digits of large numbers, key order, escapes).
 *
 * Only text that means the same to every reader as the object that was validated qualifies:
 * - one line (JSON lines output; JSON allows newlines between tokens, which would split the record);
 * - no duplicate keys (JSON.parse keeps the last, other readers the first: the validated value must be the
 *   one everybody sees). Counting proves it. Outside strings a `:` only follows a key, so the text holds
 *   (keys + colons in keys + colons in string values) colons, counted over the text's keys. The parsed
 *   object can only have fewer of each (a duplicate's key and value are dropped), so its keys plus the
 *   colons in its string values equal the text's colons only when nothing was dropped. (Colons in keys are
 *   left out of the count: such a record is serialised, which is always safe.) Escapes could hide a
 *   colon (`\u003a`), so text with a backslash does not qualify.
 */

const COLON = ':';

function colonsIn(text: string): number {
  let count = 0;
  for (let at = text.indexOf(COLON); at !== -1; at = text.indexOf(COLON, at + 1)) count += 1;
  return count;
}

/** Keys of every object in the value, plus the colons inside its string values. */
function expectedColons(value: unknown): number {
  if (typeof value === 'string') return colonsIn(value);
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) count += expectedColons(item);
    return count;
  }
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    count += typeof child === 'string' ? 1 + colonsIn(child) : 1 + expectedColons(child);
  }
  return count;
}

/**
 * The line to write for `object` when `text` (the whole record it was parsed from) can stand for it
 * unchanged; undefined when the object must be serialised instead.
 */
export function verbatimLine(text: string, object: object): string | undefined {
  const line = text.trim();
  if (line.includes('\n') || line.includes('\r') || line.includes('\\')) return undefined;
  return colonsIn(line) === expectedColons(object) ? line : undefined;
}

const OPENING_BRACE = 0x7b;

/**
 * A record's own bytes when they are exactly `line` in UTF-8, so a sink can copy them instead of encoding
 * the line again; undefined otherwise. `text` is what the bytes decoded to and `line` a verbatim line
 * taken from it: bytes starting with `{` are neither gzip'd (0x1f) nor behind a byte order mark (0xef), so
 * `text` is their exact decode, and a line as long as `text` is `text` itself.
 */
export function lineBytes(bytes: Buffer, text: string, line: string): Buffer | undefined {
  return bytes[0] === OPENING_BRACE && line.length === text.length ? bytes : undefined;
}
