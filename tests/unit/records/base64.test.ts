import { randomBytes } from 'node:crypto';
import { decodeBase64 } from '../../../lib/records';

describe('decodeBase64', () => {
  it.each([
    ['empty', ''],
    ['one byte, two pads', 'QQ=='],
    ['two bytes, one pad', 'QUI='],
    ['three bytes, no pad', 'QUJD'],
    ['plus and slash', '+/+/'],
  ])('decodes strict base64 (%s)', (_name, text) => {
    // Prepare
    const expected = Buffer.from(text, 'base64');

    // Act
    const result = decodeBase64(text);

    // Assess
    expect(result).toEqual({ ok: true, value: expected });
  });

  it('round-trips random payloads of every length from 0 to 300 bytes', () => {
    // Prepare
    const payloads = Array.from({ length: 301 }, (_, length) => randomBytes(length));

    // Act
    const decoded = payloads.map((payload) => decodeBase64(payload.toString('base64')));

    // Assess
    decoded.forEach((result, length) => expect(result).toEqual({ ok: true, value: payloads[length] }));
  });

  it.each([
    ['length not a multiple of 4', 'QUJ', /length 3 is not a multiple of 4/],
    ['invalid character', 'QUJ?', /character code 63 at offset 3/],
    ['padding in the middle', 'QQ=A', /misplaced base64 padding at offset 2/],
    ['two padded groups', 'QQ==QQ==', /misplaced base64 padding at offset 2/],
    ['three pads', 'Q===', /misplaced base64 padding at offset 1/],
    ['only pads', '====', /misplaced base64 padding at offset 0/],
    ['URL-safe alphabet', 'ab-_', /character code 45 at offset 2/],
    ['space inside', 'QU JDRA=', /character code 32 at offset 2/],
    ['trailing newline (MIME wrapping)', 'QUJDREVGR0hJ\n', /not a multiple of 4/],
    ['line break inside a group of four', 'QUJD\nREVGR0g', /character code 10 at offset 4/],
    ['NUL byte', 'QUJ\u0000', /character code 0 at offset 3/],
    ['non-ASCII', 'QU\u00e9D', /character code 233 at offset 2/],
    ['emoji (two UTF-16 units)', 'QU\u{1f642}', /character code 55357 at offset 2/],
  ])('rejects %s as invalid-base64', (_name, text, message) => {
    // Act
    const result = decodeBase64(text);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'invalid-base64', message: expect.stringMatching(message) });
  });

  it.each([
    [3, 'QUJD', true],
    [2, 'QUJD', false],
    [2, 'QUI=', true],
    [0, '', true],
  ])('with maxBytes %i, %s is accepted: %s', (maxBytes, text, accepted) => {
    // Act
    const result = decodeBase64(text, maxBytes);

    // Assess
    expect(result.ok).toBe(accepted);
    if (!result.ok) {
      expect(result).toEqual({
        ok: false,
        reason: 'record-too-large',
        message: `record is 3 bytes, over the ${maxBytes}-byte limit`,
      });
    }
  });

  it('checks the size from the length alone, before reporting bad characters', () => {
    // Prepare: 4 MB of text that is not base64 at all
    const text = '?'.repeat(4 * 1024 * 1024);

    // Act
    const result = decodeBase64(text, 1024 * 1024);

    // Assess
    expect(result).toMatchObject({ ok: false, reason: 'record-too-large' });
  });
});
