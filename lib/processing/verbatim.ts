const OPENING_BRACE = 0x7b;

/**
 * A record's own bytes when they are exactly `line` in UTF-8, so a sink can copy them instead of encoding
 * the line again; undefined otherwise. `text` is what the bytes decoded to and `line` the faithful line
 * taken from it (ParsedJson.line): bytes starting with `{` are neither gzip'd (0x1f) nor behind a byte
 * order mark (0xef), so `text` is their exact decode, and a line as long as `text` is `text` itself.
 */
export function lineBytes(bytes: Buffer, text: string, line: string): Buffer | undefined {
  return bytes[0] === OPENING_BRACE && line.length === text.length ? bytes : undefined;
}
