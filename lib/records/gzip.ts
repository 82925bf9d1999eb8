import { constants as bufferConstants } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { fail, ok, type Decoded } from './result';

/** Every gzip member starts with 1f 8b (RFC 1952 §2.3.1). */
export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

function assertMaxBytes(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > bufferConstants.MAX_LENGTH) {
    throw new RangeError(
      `maxBytes must be an integer from 1 to ${bufferConstants.MAX_LENGTH}, got ${maxBytes}`,
    );
  }
}

/**
 * Decompresses gzip (several members are concatenated, as `cat a.gz b.gz` would) and stops as soon as the
 * output would pass `maxBytes`: zlib's maxOutputLength aborts the inflate, so a gzip bomb costs at most
 * maxBytes of memory.
 */
export function gunzipBounded(data: Uint8Array, maxBytes: number): Decoded<Buffer> {
  assertMaxBytes(maxBytes);
  try {
    return ok(gunzipSync(data, { maxOutputLength: maxBytes }));
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      return fail('decompressed-too-large', `gzip data decompresses to more than ${maxBytes} bytes`);
    }
    return fail('decompression-failed', `gzip data does not decompress: ${message} (${code ?? 'no code'})`);
  }
}

/** Gunzips when the data carries the gzip magic, otherwise returns it untouched (as a Buffer view). */
export function maybeGunzip(data: Uint8Array, maxBytes: number): Decoded<Buffer> {
  if (isGzip(data)) return gunzipBounded(data, maxBytes);
  assertMaxBytes(maxBytes);
  return ok(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}
