import { constants, gzipSync } from 'node:zlib';
import { gunzipBounded, isGzip, maybeGunzip } from '../../../lib/records';
import { withFlippedByte } from './factories';

const text = Buffer.from('{"event_type":"page_view"}\n'.repeat(100));
const gzipped = gzipSync(text);

describe('isGzip', () => {
  it.each([
    ['a gzip member', true, gzipped],
    ['the two magic bytes alone', true, Buffer.from([0x1f, 0x8b])],
    ['one magic byte', false, Buffer.from([0x1f])],
    ['empty', false, Buffer.alloc(0)],
    ['JSON', false, Buffer.from('{"a":1}')],
    ['a near miss', false, Buffer.from([0x1f, 0x8c, 0x08])],
    ['a Uint8Array', true, new Uint8Array(gzipped)],
  ])('%s → %s', (_name, expected, data) => {
    // Act / Assess
    expect(isGzip(data)).toBe(expected);
  });
});

describe('gunzipBounded', () => {
  it('decompresses within the limit, including output exactly at it', () => {
    // Act
    const result = gunzipBounded(gzipped, text.length);

    // Assess
    expect(result).toEqual({ ok: true, value: text });
  });

  it('decompresses concatenated gzip members as one stream', () => {
    // Prepare
    const members = Buffer.concat([gzipSync('first\n'), gzipSync('second\n')]);

    // Act
    const result = gunzipBounded(members, 1024);

    // Assess
    expect(result).toEqual({ ok: true, value: Buffer.from('first\nsecond\n') });
  });

  it('stops one byte over the limit with decompressed-too-large', () => {
    // Act
    const result = gunzipBounded(gzipped, text.length - 1);

    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'decompressed-too-large',
      message: `gzip data decompresses to more than ${text.length - 1} bytes`,
    });
  });

  it('stops a gzip bomb (32 MiB of zeros in ~32 KiB) at a 1 MiB limit', () => {
    // Prepare
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024), { level: constants.Z_BEST_COMPRESSION });

    // Act
    const result = gunzipBounded(bomb, 1024 * 1024);

    // Assess
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(result).toMatchObject({ ok: false, reason: 'decompressed-too-large' });
  });

  const corrupt = withFlippedByte(gzipped, Math.floor(gzipped.length / 2));
  it.each([
    ['truncated', gzipped.subarray(0, gzipped.length - 10)],
    ['a flipped byte in the deflate data', corrupt],
    ['the magic followed by garbage', Buffer.from([0x1f, 0x8b, 0x01, 0x02, 0x03, 0x04])],
    ['trailing garbage after the member', Buffer.concat([gzipped, Buffer.from('junk')])],
    ['no gzip header at all', Buffer.from('{"a":1}')],
  ])('classifies %s as decompression-failed', (_name, data) => {
    // Act
    const result = gunzipBounded(data, 1024 * 1024);

    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'decompression-failed',
      message: expect.stringMatching(/^gzip data does not decompress: .+ \(Z_[A-Z_]+\)$/),
    });
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'throws on maxBytes %p (a caller bug)',
    (maxBytes) => {
      // Act / Assess
      expect(() => gunzipBounded(gzipped, maxBytes)).toThrow(RangeError);
      expect(() => maybeGunzip(text, maxBytes)).toThrow(RangeError);
    },
  );
});

describe('maybeGunzip', () => {
  it('returns data without the gzip magic untouched, as the same bytes', () => {
    // Act
    const result = maybeGunzip(text, 10);

    // Assess
    expect(result.ok && result.value).toBe(text);
  });

  it('returns a Buffer view of a plain Uint8Array', () => {
    // Prepare
    const bytes = new Uint8Array([0x7b, 0x7d]);

    // Act
    const result = maybeGunzip(bytes, 10);

    // Assess
    expect(result.ok && Buffer.isBuffer(result.value) && result.value.buffer === bytes.buffer).toBe(true);
  });

  it.each([
    ['decompresses gzip', gzipped, { ok: true, value: text }],
    [
      'classifies corrupt gzip',
      gzipped.subarray(0, 20),
      expect.objectContaining({ reason: 'decompression-failed' }),
    ],
    ['bounds the output', gzipped, expect.objectContaining({ reason: 'decompressed-too-large' }), 100],
  ])('%s', (_name, data, expected, maxBytes = 1024 * 1024) => {
    // Act / Assess
    expect(maybeGunzip(data, maxBytes)).toEqual(expected);
  });
});
