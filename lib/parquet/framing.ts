/**
 * Splits decoded input text into record texts without holding more than one record (plus one chunk):
 * JSON lines (one object a line) or concatenated / pretty-printed objects (`{..}{..}`, objects spanning
 * lines). The first non-blank line decides: a line that is a complete JSON value means JSON lines, where a
 * newline always ends a record (so one truncated line costs one record); otherwise records are found by
 * bracket depth across lines.
 */

import { closingQuote, isJsonWhitespace } from '../records/json-text';

const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Top-level JSON texts in `text` as [start, end) pairs, by bracket depth; `complete` is false when the
 * text ends inside a value. A scalar at depth 0 runs to the next whitespace or bracket.
 */
export function scanValues(
  text: string,
  from = 0,
): { spans: [number, number][]; complete: boolean; end: number } {
  const spans: [number, number][] = [];
  let depth = 0;
  let start = -1;
  for (let at = from; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (depth === 0 && start === -1) {
      if (isJsonWhitespace(code)) continue;
      start = at;
    }
    if (code === QUOTE) {
      const close = closingQuote(text, at);
      if (close === -1) return { spans, complete: false, end: start };
      at = close;
      if (depth === 0) {
        spans.push([start, at + 1]);
        start = -1;
      }
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth += 1;
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth -= 1;
      if (depth <= 0) {
        spans.push([start, at + 1]);
        depth = 0;
        start = -1;
      }
    } else if (depth === 0) {
      // A scalar (or garbage) at the top level: up to the next separator.
      let stop = at + 1;
      while (stop < text.length) {
        const next = text.charCodeAt(stop);
        if (isJsonWhitespace(next) || next === OPEN_BRACE || next === OPEN_BRACKET || next === QUOTE) break;
        stop += 1;
      }
      spans.push([start, stop]);
      start = -1;
      at = stop - 1;
    }
  }
  return { spans, complete: start === -1, end: start === -1 ? text.length : start };
}

/** `{..}{..}` on one line → its objects; undefined unless the line holds 2+ complete values. */
export function splitConcatenated(line: string): string[] | undefined {
  const { spans, complete } = scanValues(line);
  if (!complete || spans.length < 2 || spans.some(([start]) => line.charCodeAt(start) !== OPEN_BRACE))
    return undefined;
  return spans.map(([start, end]) => line.slice(start, end));
}

export interface FramerHandlers {
  record: (text: string) => void;
  /** A record longer than the limit: its first `limit` characters, and why it was cut. */
  oversized: (prefix: string, message: string) => void;
}

type Mode = 'unknown' | 'lines' | 'stream';

export class JsonFramer {
  private mode: Mode = 'unknown';
  private carry = '';
  private first = true;
  /** Lines mode: dropping the rest of an oversized line up to its newline. */
  private skipping = false;

  constructor(
    private readonly handlers: FramerHandlers,
    private readonly maxRecordChars: number,
  ) {}

  push(chunk: string): void {
    let text = chunk;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.mode === 'stream') return this.pushStream(text);
    this.pushLines(this.carry + text);
  }

  end(): void {
    const rest = this.carry;
    this.carry = '';
    if (this.mode === 'stream') {
      // An unterminated object at the end is still a record: it fails to parse and is reported.
      const { spans, end } = scanValues(rest);
      for (const [start, stop] of spans) this.handlers.record(rest.slice(start, stop));
      if (end < rest.length && rest.slice(end).trim() !== '') this.handlers.record(rest.slice(end));
      return;
    }
    if (!this.skipping && rest.trim() !== '') this.line(rest);
  }

  private pushLines(text: string): void {
    let start = 0;
    for (let newline = text.indexOf('\n', start); newline !== -1; newline = text.indexOf('\n', start)) {
      if (this.skipping) this.skipping = false;
      else if (this.mode === 'unknown' && !this.decide(text, start, newline)) {
        this.carry = '';
        return this.pushStream(text.slice(start));
      } else this.line(text.slice(start, newline));
      start = newline + 1;
    }
    this.carry = this.skipping ? '' : text.slice(start);
    if (this.carry.length > this.maxRecordChars) {
      this.handlers.oversized(this.carry.slice(0, this.maxRecordChars), this.tooLong());
      this.carry = '';
      this.skipping = true;
    }
  }

  /** First non-blank line: true for JSON lines, false to switch to depth scanning. */
  private decide(text: string, start: number, newline: number): boolean {
    const line = text.slice(start, newline);
    if (line.trim() === '') return true;
    const { complete } = scanValues(line);
    this.mode = complete ? 'lines' : 'stream';
    return complete;
  }

  private line(raw: string): void {
    const text = raw.charCodeAt(raw.length - 1) === 0x0d ? raw.slice(0, -1) : raw;
    if (text.length === 0 || (isJsonWhitespace(text.charCodeAt(0)) && text.trim() === '')) return;
    if (text.length > this.maxRecordChars)
      return this.handlers.oversized(text.slice(0, this.maxRecordChars), this.tooLong());
    this.handlers.record(text);
  }

  private pushStream(text: string): void {
    const buffer = this.carry + text;
    const { spans, end } = scanValues(buffer);
    for (const [start, stop] of spans) this.handlers.record(buffer.slice(start, stop));
    this.carry = buffer.slice(end);
    if (this.carry.length > this.maxRecordChars) {
      // Without a newline rule there is no safe place to resume after a cut: stop here.
      throw new RangeError(
        `a concatenated JSON record exceeds ${this.maxRecordChars} characters (maxRecordBytes)`,
      );
    }
  }

  private tooLong(): string {
    return `the line exceeds maxRecordBytes (${this.maxRecordChars} characters); rawData holds its beginning only`;
  }
}
