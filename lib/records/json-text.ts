/** Scanning helpers over JSON text, shared by the record parser and the Parquet converter's framing. */

const BACKSLASH = 0x5c;

export function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

export function skipWhitespace(text: string, from: number): number {
  let position = from;
  while (position < text.length && isJsonWhitespace(text.charCodeAt(position))) position += 1;
  return position;
}

/** Index of the quote closing the string opened at `open`, or -1; jumps between quotes with indexOf. */
export function closingQuote(text: string, open: number): number {
  let quote = text.indexOf('"', open + 1);
  while (quote !== -1) {
    let backslashes = 0;
    for (let at = quote - 1; text.charCodeAt(at) === BACKSLASH; at -= 1) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return -1;
}
