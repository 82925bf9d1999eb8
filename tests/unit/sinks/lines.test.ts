import { gunzipSync, inflateRawSync } from 'node:zlib';
import { createRandom } from '../../../lib/generator/random';
import { JsonLinesBody } from '../../../lib/sinks/lines';

describe('JsonLinesBody', () => {
  const next = createRandom(11);
  // Lines across several 64 KiB chunks, some non-ASCII, one far larger than a chunk, an empty one, and a lone
  // surrogate (written as U+FFFD, as Buffer.from writes it).
  const lines = Array.from({ length: 3_000 }, (_, index) =>
    JSON.stringify({ index, text: (index % 7 === 0 ? 'Zoë 日本 🎉' : 'x').repeat(Math.floor(next() * 60)) }),
  );
  lines.splice(1_500, 0, JSON.stringify({ big: '日'.repeat(200_000) }), '', '{"lone":"\ud800"}');
  // What joining and encoding the lines would give.
  const expected = Buffer.from(lines.map((line) => `${line}\n`).join(''));

  const build = async (gzip: boolean, withBytes: (index: number) => boolean) => {
    const body = new JsonLinesBody({ gzip });
    lines.forEach((line, index) => body.add(line, withBytes(index) ? Buffer.from(line) : undefined));
    return body.finish();
  };

  it.each([
    ['encoded lines', () => false],
    ['copied bytes', () => true],
    ['both, mixed', (index: number) => index % 3 === 0],
  ])('without compression, holds exactly the lines from %s', async (_, withBytes) => {
    expect((await build(false, withBytes)).equals(expected)).toBe(true);
  });

  it('with gzip, decompresses to exactly the lines, from one gzip member', async () => {
    const body = await build(true, (index) => index % 2 === 0);
    expect(gunzipSync(body).equals(expected)).toBe(true);
    // The deflate stream after the 10-byte header holds everything: nothing follows in another member.
    expect(inflateRawSync(body.subarray(10, -8)).equals(expected)).toBe(true);
  });

  it('is an empty object when no line was added', async () => {
    expect((await new JsonLinesBody({ gzip: false }).finish()).length).toBe(0);
    expect(gunzipSync(await new JsonLinesBody({ gzip: true }).finish()).length).toBe(0);
  });

  it('refuses lines after finish() and returns the same body again', async () => {
    const body = new JsonLinesBody({ gzip: true });
    body.add('{"a":1}');
    const first = body.finish();
    expect(body.finish()).toBe(first);
    expect(() => body.add('{"a":2}')).toThrow('add() after finish()');
    expect(gunzipSync(await first).toString()).toBe('{"a":1}\n');
  });

  it('never reuses memory it handed out: earlier bodies keep their bytes while later ones are built', async () => {
    const linesOf = (tag: string, count: number) =>
      Array.from({ length: count }, (_, index) => JSON.stringify({ tag, index, pad: tag.repeat(40) }));
    // One-chunk and several-chunk bodies, plain and gzip'd, interleaved with the ones built after them.
    const shapes = [
      { gzip: false, count: 10 },
      { gzip: false, count: 5_000 },
      { gzip: true, count: 5_000 },
    ];
    const built: { body: Buffer; copy: Buffer }[] = [];
    for (const [round, tag] of ['a', 'b', 'c', 'd'].entries()) {
      const bodies = shapes.map(({ gzip }) => new JsonLinesBody({ gzip }));
      shapes.forEach(({ count }, index) => {
        for (const line of linesOf(`${tag}${index}`, count)) bodies[index]!.add(line, Buffer.from(line));
      });
      for (const body of await Promise.all(bodies.map((body) => body.finish()))) {
        built.push({ body, copy: Buffer.from(body) });
      }
      expect(built).toHaveLength((round + 1) * shapes.length);
    }
    for (const { body, copy } of built) expect(body.equals(copy)).toBe(true);
  });
});
