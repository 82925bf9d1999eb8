/**
 * The "pass the record's own bytes" rule, for every output that copies a record instead of encoding its
 * line again (the consumer's sinks, the Firehose transformer's response): the bytes are the line when they
 * start with `{` (so they are neither gzip'd, 0x1f, nor behind a byte order mark, 0xef, and the text was
 * their exact UTF-8 decode, which the line was trimmed from) and hold exactly as many bytes as the line,
 * optionally followed by one newline.
 */
const OPENING_BRACE = 0x7b;
const NEWLINE = 0x0a;

/** `line` (the bytes are the line), `line-newline` (the line, then `\n`), or undefined: encode the line. */
export type OwnBytes = 'line' | 'line-newline' | undefined;

export function ownBytes(bytes: Buffer, line: string): OwnBytes {
  if (bytes[0] !== OPENING_BRACE) return undefined;
  // A UTF-8 line is at least as many bytes as UTF-16 units and at most 3 per unit: most records skip the count.
  if (bytes.length < line.length || bytes.length > line.length * 3 + 1) return undefined;
  const length = Buffer.byteLength(line);
  if (bytes.length === length) return 'line';
  return bytes.length === length + 1 && bytes[length] === NEWLINE ? 'line-newline' : undefined;
}

/** The record's own bytes when they are exactly `line` (a view, no copy); undefined otherwise. */
export function lineBytes(bytes: Buffer, line: string): Buffer | undefined {
  const own = ownBytes(bytes, line);
  if (own === 'line') return bytes;
  return own === 'line-newline' ? bytes.subarray(0, bytes.length - 1) : undefined;
}
