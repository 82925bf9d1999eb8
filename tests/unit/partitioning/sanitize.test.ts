import { isSafePartitionValue, sanitizePartitionValue } from '../../../lib/partitioning/sanitize';

describe('sanitizePartitionValue', () => {
  it.each<[string | number | boolean | bigint, string | undefined]>([
    ['click', 'click'],
    ['page_view-2', 'page_view-2'],
    ['v1.2.3', 'v1.2.3'],
    [42, '42'],
    [-1.5, '-1.5'],
    [true, 'true'],
    [12345678901234567890n, '12345678901234567890'],
    ['../x', '_x'],
    ['..', undefined],
    ['.', undefined],
    ['a/b', 'a_b'],
    ['a\\b', 'a_b'],
    ['/etc/passwd', '_etc_passwd'],
    ['..\\..\\windows', '_.._windows'],
    ['a=b', 'a_b'],
    ['100%', '100_'],
    ['tag#1', 'tag_1'],
    ['x:y', 'x_y'],
    ['two words', 'two_words'],
    ['  padded  ', 'padded'],
    ['line\nbreak', 'line_break'],
    ['\u0000nul\u0007', 'nul'],
    ['tab\there', 'tab_here'],
    ['.hidden', 'hidden'],
    ['trailing.', 'trailing'],
    ['trailing..', 'trailing'], // every trailing dot, not only the last
    ['a/..', 'a_'],
    ['...lead', 'lead'],
    ['', undefined],
    ['   ', undefined],
    ['\u0001\u0002', undefined],
    ['///', '___'],
    ['café', 'café'],
    ['cafe\u0301', 'café'], // NFD input normalises to the same folder as NFC
    ['日本語', '日本語'],
    ['Ελλάδα', 'Ελλάδα'],
    ['🎉party', '_party'],
    ['a\u202Eb', 'a_b'], // right-to-left override, a format character
  ])('%j -> %j', (value, expected) => {
    // Act
    const safe = sanitizePartitionValue(value);
    // Assess
    expect(safe).toBe(expected);
  });

  it('shortens a 600-character value to the limit with a stable hash suffix', () => {
    // Prepare
    const long = 'x'.repeat(600);
    const otherLong = `${'x'.repeat(599)}y`;
    // Act
    const safe = sanitizePartitionValue(long);
    // Assess
    expect(safe).toHaveLength(128);
    expect(safe).toMatch(/^x{119}_[0-9a-f]{8}$/);
    expect(sanitizePartitionValue(long)).toBe(safe);
    expect(sanitizePartitionValue(otherLong)).not.toBe(safe);
  });

  it('honours a custom limit and counts code points, never splitting a surrogate pair', () => {
    // Prepare: 40 CJK supplementary-plane letters (2 UTF-16 units each).
    const value = '𠀋'.repeat(40);
    // Act
    const safe = sanitizePartitionValue(value, 20) ?? '';
    // Assess
    expect(Array.from(safe)).toHaveLength(20);
    expect(safe.startsWith('𠀋'.repeat(11))).toBe(true);
    expect(safe).toMatch(/_[0-9a-f]{8}$/);
    expect(Buffer.from(safe, 'utf8').toString('utf8')).toBe(safe); // no lone surrogate
  });

  // Golden values: the suffix is part of S3 keys already written, so a changed hash moves data. Computed outside
  // this code base by an FNV-1a over UTF-16 units that gives the published vector e40c292c for 'a'.
  it.each([
    ['x'.repeat(200), `${'x'.repeat(119)}_b3e4b6e5`],
    ['漢'.repeat(200), `${'漢'.repeat(119)}_875574c5`],
    ['\u{1D49C}'.repeat(200), `${'\u{1D49C}'.repeat(119)}_c119d6e5`],
    // A hash with a leading zero keeps its eight digits.
    [`long-value-2-${'z'.repeat(130)}`, `${`long-value-2-${'z'.repeat(130)}`.slice(0, 119)}_0ef7c71f`],
  ])('shortens a long value with the FNV-1a suffix of the whole value (%#)', (value, expected) => {
    // Act
    const safe = sanitizePartitionValue(value) ?? '';
    // Assess: 128 code points, whatever their UTF-16 length.
    expect(safe).toBe(expected);
    expect(Array.from(safe)).toHaveLength(128);
  });

  it('keeps a cleaned value exactly at the limit unchanged', () => {
    // 128 accented letters: not on the ASCII fast path, and not one code point too long.
    expect(sanitizePartitionValue('é'.repeat(128))).toBe('é'.repeat(128));
    expect(sanitizePartitionValue('é'.repeat(129))).toMatch(/^é{119}_[0-9a-f]{8}$/);
  });

  it('keeps a value exactly at the limit unchanged', () => {
    expect(sanitizePartitionValue('a'.repeat(128))).toBe('a'.repeat(128));
  });

  it.each([
    ['click', true],
    ['a/b', false],
    ['..', false],
  ])('isSafePartitionValue(%j) is %s', (value, expected) => {
    expect(isSafePartitionValue(value)).toBe(expected);
  });
});
