import { gzipSync } from 'node:zlib';
import { createRecordProcessor } from '../../../lib/processing/record-processor';

describe('record processor decode', () => {
  const processor = createRecordProcessor({
    validate: () => ({ ok: true }),
    transform: (record) => ({ kind: 'ok', record, changed: false }),
    maxBytes: 1_000_000,
  });

  it('rejects a gzip bomb of nesting (16 MiB of brackets in 16 KB) before JSON.parse would build it', () => {
    // Prepare: JSON.parse would build 8 million nested arrays (seconds, hundreds of megabytes).
    const levels = 8 * 1024 * 1024;
    const data = gzipSync(`${'['.repeat(levels)}${']'.repeat(levels)}`);
    const parse = jest.spyOn(JSON, 'parse');

    try {
      // Act
      const decoded = processor.decode(data);

      // Assess
      expect(data.length).toBeLessThan(100_000);
      expect(decoded).toEqual({
        ok: false,
        reason: 'nesting-too-deep',
        message: 'JSON value #0 at offset 0 nests deeper than 64 levels',
      });
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it("objects() gives the objects of plain, gzip'd and JSON-lines records, and a bad one's failure", () => {
    expect(processor.objects(Buffer.from('{"a":1}'))).toEqual({ ok: true, value: [{ a: 1 }] });
    expect(processor.objects(gzipSync('{"a":1}\n{"a":2}\n'))).toEqual({
      ok: true,
      value: [{ a: 1 }, { a: 2 }],
    });
    expect(processor.objects(Buffer.from('{"a":'))).toMatchObject({ ok: false, reason: 'invalid-json' });
  });
});
