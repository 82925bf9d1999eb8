import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { BufferSink, fileSink, streamingUploadSink, writableSink } from '../../../lib/parquet/sinks';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'kpipe-parquet-sinks-'));
});

afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe('fileSink', () => {
  it('writes to a partial file and renames it into place on close', async () => {
    // Prepare
    const target = join(directory, 'a', 'b', 'out.parquet');
    const sink = fileSink(target);

    // Act
    await sink.write(Buffer.from('PAR1'));
    const duringWrite = readdirSync(join(directory, 'a', 'b'));
    await sink.write(Buffer.from('data'));
    await sink.close();

    // Assess
    expect(duringWrite).toEqual([expect.stringMatching(/^out\.parquet\.[0-9a-f]{12}\.partial$/)]);
    expect(readFileSync(target, 'utf8')).toBe('PAR1data');
    expect(readdirSync(join(directory, 'a', 'b'))).toEqual(['out.parquet']);
  });

  it('leaves nothing behind when aborted', async () => {
    // Prepare
    const target = join(directory, 'out.parquet');
    const sink = fileSink(target);
    await sink.write(Buffer.from('PAR1'));

    // Act
    await sink.abort(new Error('conversion failed'));

    // Assess
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(directory)).toEqual([]);
  });
});

describe('BufferSink', () => {
  it('returns the bytes after close, and refuses before', async () => {
    // Prepare
    const sink = new BufferSink();
    sink.write(Buffer.from('ab'));
    sink.write(Buffer.from('cd'));

    // Act
    const early = (() => {
      try {
        return sink.bytes();
      } catch (error) {
        return error;
      }
    })();
    await sink.close();

    // Assess
    expect(early).toEqual(
      new Error('BufferSink.bytes() before close(): the Parquet footer is not written yet'),
    );
    expect(sink.bytes().toString()).toBe('abcd');
  });
});

describe('writableSink', () => {
  it('waits for drain when the stream pushes back', async () => {
    // Prepare
    const written: Buffer[] = [];
    let release: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk);
        release = callback;
      },
    });
    const sink = writableSink(slow);

    // Act
    let settled = false;
    const writing = Promise.resolve(sink.write(Buffer.from('12345678'))).then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    const settledBeforeDrain = settled;
    release?.();
    await writing;

    // Assess
    expect(settledBeforeDrain).toBe(false);
    expect(settled).toBe(true);
    expect(Buffer.concat(written).toString()).toBe('12345678');
  });

  it('fails a write waiting for drain when the consumer fails', async () => {
    // Prepare
    const body = new PassThrough({ highWaterMark: 1 });
    let fail: ((error: Error) => void) | undefined;
    const completion = new Promise((_resolve, reject) => {
      fail = reject;
    });
    const sink = writableSink(body, { completion });

    // Act
    const writing = sink.write(Buffer.from('more than the high water mark'));
    fail?.(new Error('upload failed'));

    // Assess
    await expect(writing).rejects.toThrow('upload failed');
    await expect(sink.close()).rejects.toThrow('upload failed');
  });
});

describe('streamingUploadSink', () => {
  it('feeds the upload while writing and waits for it on close', async () => {
    // Prepare
    const received: Buffer[] = [];
    let finished = false;
    const upload = (body: Readable): { done: Promise<unknown> } => ({
      done: (async () => {
        for await (const chunk of body) received.push(chunk as Buffer);
        await new Promise((resolve) => setImmediate(resolve));
        finished = true;
      })(),
    });
    const sink = streamingUploadSink(upload, 16);

    // Act
    for (let i = 0; i < 10; i += 1) await sink.write(Buffer.alloc(100, i));
    await sink.close();

    // Assess
    expect(finished).toBe(true);
    expect(Buffer.concat(received)).toEqual(
      Buffer.concat(Array.from({ length: 10 }, (_, i) => Buffer.alloc(100, i))),
    );
  });

  it('aborts the upload when the conversion fails', async () => {
    // Prepare
    const abort = jest.fn(async () => undefined);
    const sink = streamingUploadSink((body) => ({
      done: new Promise((resolve) => body.on('close', resolve)),
      abort,
    }));

    // Act
    await sink.abort(new Error('bad input'));

    // Assess
    expect(abort).toHaveBeenCalledTimes(1);
  });
});
