import { createGzip, type Gzip } from 'node:zlib';
import { finished } from 'node:stream/promises';

/** Bytes per chunk of an object body; with gzip, each full chunk is handed to zlib at once. */
const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * Spare chunks, shared by every body of the process. Fresh memory is costly (the kernel maps it in page by
 * page on first write, and a batch fills megabytes of chunks), so a chunk that never left this module,
 * once compressed or copied into its body, waits here for the next object: up to a Lambda event's worth.
 */
const spareChunks: Buffer[] = [];
const MAX_SPARE_CHUNKS = 96;

function takeChunk(size: number): Buffer {
  if (size > CHUNK_BYTES) return Buffer.allocUnsafe(size);
  return spareChunks.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
}

function recycle(chunk: Buffer): void {
  if (chunk.length === CHUNK_BYTES && spareChunks.length < MAX_SPARE_CHUNKS) spareChunks.push(chunk);
}

/**
 * The body of one JSON-lines object, built while its lines are still arriving. Lines are written into
 * chunks of about 64 KiB; with gzip each full chunk goes to a zlib stream at once, which compresses it on
 * libuv's thread pool while the caller goes on with the batch (it must let the event loop turn now and
 * then for the next chunk to start). The finished body holds each line and a newline (gzip'd: in one gzip
 * member); writing the lines straight into chunks costs a third of building and encoding one string.
 */
export class JsonLinesBody {
  private chunk: Buffer | undefined;
  private offset = 0;
  /** The body's parts: compressed output, or without gzip the written part of each chunk. */
  private readonly chunks: Buffer[] = [];
  /** Without gzip, the chunks behind `chunks`, recycled once copied into the body. */
  private readonly filled: Buffer[] = [];
  private readonly gzip: Gzip | undefined;
  private failure: Error | undefined;
  private done: Promise<Buffer> | undefined;

  constructor(options: { gzip: boolean }) {
    if (options.gzip) {
      const gzip = createGzip();
      gzip.on('data', (chunk: Buffer) => this.chunks.push(chunk));
      // Kept for finish(): a zlib failure fails this object's delivery, never the process.
      gzip.on('error', (error) => (this.failure ??= error));
      this.gzip = gzip;
    }
  }

  /**
   * Appends `line` and a newline. `bytes`, when given, must be the line's UTF-8 (a record's own data):
   * they are copied instead of encoding the line again.
   */
  add(line: string, bytes?: Uint8Array): void {
    if (this.done) throw new Error('JsonLinesBody: add() after finish()');
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const most = (bytes === undefined ? line.length * 3 : bytes.length) + 1;
    let chunk = this.chunk;
    if (chunk === undefined || this.offset + most > chunk.length) {
      this.flush();
      chunk = this.chunk = takeChunk(most);
    }
    if (bytes === undefined) {
      this.offset += chunk.write(line, this.offset);
    } else {
      chunk.set(bytes, this.offset);
      this.offset += bytes.length;
    }
    chunk[this.offset++] = NEWLINE;
    if (this.offset >= CHUNK_BYTES) this.flush();
  }

  /** Hands the written part of the chunk on; the next line starts a new one. */
  private flush(): void {
    const chunk = this.chunk;
    if (chunk === undefined) return;
    // Only the bytes written leave: the rest of an unsafe allocation is stale memory.
    const written = chunk.subarray(0, this.offset);
    this.chunk = undefined;
    this.offset = 0;
    // No backpressure on purpose: the whole batch is in memory already (a Lambda event is at most 6 MB).
    if (this.gzip) {
      // zlib is done with the chunk once the write calls back without an error.
      if (this.failure === undefined) {
        this.gzip.write(written, (error) => {
          if (!error) recycle(chunk);
        });
      }
    } else {
      this.chunks.push(written);
      this.filled.push(chunk);
    }
  }

  /** The complete body; rejects if compression failed. Call once, after the last add(). */
  finish(): Promise<Buffer> {
    this.done ??= this.complete();
    return this.done;
  }

  private async complete(): Promise<Buffer> {
    this.flush();
    const gzip = this.gzip;
    if (gzip) {
      if (this.failure === undefined) {
        gzip.end();
        await finished(gzip).catch((error: Error) => (this.failure ??= error));
      }
      if (this.failure) {
        gzip.destroy();
        throw new Error(`gzip failed: ${this.failure.message}`, { cause: this.failure });
      }
    }
    // A single part is handed out as it is (and not recycled); several are copied into one body.
    if (this.chunks.length === 1) return this.chunks[0]!;
    const body = Buffer.concat(this.chunks);
    for (const chunk of this.filled) recycle(chunk);
    return body;
  }
}
