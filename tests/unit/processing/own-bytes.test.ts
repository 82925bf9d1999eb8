/**
 * The one "pass the record's own bytes" rule (lib/processing/verbatim.ts), used by the consumer's sinks and
 * the Firehose transformer's response. The consumer used to copy bytes only without a trailing newline and
 * the transformer also with one: both now follow the same table.
 */
import { lineBytes, ownBytes } from '../../../lib/processing/verbatim';

const line = '{"a":1,"note":"Zoë 日本 🎉"}';

describe('ownBytes', () => {
  it.each([
    ['the line itself', Buffer.from(line), 'line'],
    ['the line and one newline', Buffer.from(`${line}\n`), 'line-newline'],
    ['the line and \\r\\n', Buffer.from(`${line}\r\n`), undefined],
    ['the line and two newlines', Buffer.from(`${line}\n\n`), undefined],
    ['leading whitespace', Buffer.from(` ${line}`), undefined],
    ['a byte order mark', Buffer.from(`\ufeff${line}`), undefined],
    ['other bytes of the same length', Buffer.from(line.replace('1', '2')), 'line'],
    ['one byte short', Buffer.from(line).subarray(0, -1), undefined],
    ['a newline counted as a byte too many, but not a newline', Buffer.from(`${line} `), undefined],
    ['empty', Buffer.alloc(0), undefined],
  ])('%s → %s', (_name, bytes, expected) => {
    expect(ownBytes(bytes, line)).toBe(expected);
  });
});

describe('lineBytes (the consumer)', () => {
  it('gives the bytes themselves, or a view without the final newline, never a copy', () => {
    const exact = Buffer.from(line);
    const withNewline = Buffer.from(`${line}\n`);
    expect(lineBytes(exact, line)).toBe(exact);
    const view = lineBytes(withNewline, line)!;
    expect(view.buffer).toBe(withNewline.buffer);
    expect(view.byteOffset).toBe(withNewline.byteOffset);
    expect(view.toString('utf8')).toBe(line);
    expect(lineBytes(Buffer.from(` ${line}`), line)).toBeUndefined();
  });
});
