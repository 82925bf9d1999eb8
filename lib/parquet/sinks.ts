import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * Where Parquet bytes go. The converter calls write() with consecutive byte ranges (one per row group, then
 * the footer), awaiting each, so a slow destination slows the conversion instead of filling memory; then
 * close() once, or abort() if the conversion failed so no partial file is left behind.
 */
export interface ParquetSink {
  write(chunk: Uint8Array): void | Promise<void>;
  close(): Promise<void>;
  abort(error: Error): Promise<void>;
}

/**
 * Writes to `<path>.<random>.partial` beside the target and renames on close: readers never see a
 * half-written file, and a retry overwrites instead of duplicating.
 */
export function fileSink(path: string): ParquetSink {
  const partial = `${path}.${randomBytes(6).toString('hex')}.partial`;
  let handle: Promise<FileHandle> | undefined;
  const opened = (): Promise<FileHandle> => {
    handle ??= mkdir(dirname(path), { recursive: true }).then(() => open(partial, 'w'));
    return handle;
  };
  return {
    async write(chunk) {
      await (await opened()).write(chunk);
    },
    async close() {
      const file = await opened();
      await file.close();
      await rename(partial, path);
    },
    async abort() {
      if (handle === undefined) return;
      await (await handle.catch(() => undefined))?.close().catch(() => undefined);
      await rm(partial, { force: true });
    },
  };
}

/** Keeps the bytes in memory (tests, small objects); `bytes()` after close. */
export class BufferSink implements ParquetSink {
  private readonly chunks: Uint8Array[] = [];
  private closed = false;

  write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async abort(): Promise<void> {
    this.chunks.length = 0;
  }

  bytes(): Buffer {
    if (!this.closed)
      throw new Error('BufferSink.bytes() before close(): the Parquet footer is not written yet');
    return Buffer.concat(this.chunks);
  }
}

export interface WritableSinkOptions {
  /**
   * Settles when the consumer of the stream is done (e.g. an S3 upload's `done()`): close() awaits it after
   * ending the stream, and a rejection fails the next write or close instead of leaving a write waiting for
   * a 'drain' that will never come.
   */
  completion?: Promise<unknown>;
  /** Called by abort() (e.g. `() => upload.abort()`). */
  onAbort?: () => Promise<unknown> | void;
}

/** Writes to a Node stream, honouring its backpressure; close() ends it and waits for 'finish'. */
export function writableSink(writable: Writable, options: WritableSinkOptions = {}): ParquetSink {
  const { completion, onAbort } = options;
  let failure: Error | undefined;
  // Never resolves; rejects as soon as the consumer fails, so a pending drain wait stops.
  const consumerFailed = new Promise<never>((_resolve, reject) => {
    completion?.catch((error: unknown) => {
      failure = error instanceof Error ? error : new Error(String(error));
      reject(failure);
    });
  });
  consumerFailed.catch(() => undefined);
  // Kept for the next write or close; without a listener a stream error would crash the process.
  writable.on('error', (error: Error) => {
    failure ??= error;
  });
  const drained = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        writable.off('drain', onDrain);
        writable.off('error', onError);
        writable.off('close', onClose);
      };
      const onDrain = (): void => {
        cleanup();
        resolve();
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const onClose = (): void => {
        cleanup();
        reject(new Error('the output stream closed before it drained'));
      };
      writable.on('drain', onDrain);
      writable.on('error', onError);
      writable.on('close', onClose);
    });
  return {
    async write(chunk) {
      if (failure !== undefined) throw failure;
      if (!writable.write(chunk)) await Promise.race([drained(), consumerFailed]);
    },
    async close() {
      if (failure !== undefined) throw failure;
      writable.end();
      await Promise.race([finished(writable), consumerFailed]);
      await completion;
    },
    async abort(error) {
      writable.destroy(error);
      await onAbort?.();
    },
  };
}

/** A streaming upload started on a body stream, e.g. @aws-sdk/lib-storage's Upload. */
export interface StreamingUpload {
  /** Started immediately: the body is consumed while the file is written (e.g. `upload.done()`). */
  done: Promise<unknown>;
  abort?: () => Promise<unknown>;
}

/**
 * A sink whose bytes feed an upload as they are produced, so a large file never sits in memory:
 *
 *   streamingUploadSink((Body) => {
 *     const upload = new Upload({ client, params: { Bucket, Key, Body } });
 *     return { done: upload.done(), abort: () => upload.abort() };
 *   })
 */
export function streamingUploadSink(
  start: (body: Readable) => StreamingUpload,
  highWaterMark = 8 * 1024 * 1024,
): ParquetSink {
  const body = new PassThrough({ highWaterMark });
  const upload = start(body);
  return writableSink(body, { completion: upload.done, onAbort: upload.abort });
}
