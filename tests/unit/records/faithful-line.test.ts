import { createRandom } from '../../../lib/generator/random';
import { createJsonParser } from '../../../lib/records';

const parser = createJsonParser();

function lineOf(text: string): string | undefined {
  const parsed = parser.parse(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value.line;
}

describe('ParsedJson.line: the text written for an unchanged record', () => {
  it.each([
    ['a flat object', '{"a":1,"b":"x"}'],
    ['colons in values', '{"url":"https://shop.example.com:443/p","t":"12:00:00","n":{"a":"c:d"},"l":[":"]}'],
    ['nested objects and arrays', '{"a":[{"b":1},{"b":2,"c":[{"d":"e:f"}]}],"g":{}}'],
    ['spaces between tokens', '{ "a" : 1 , "b" : [ 1 , 2 ] }'],
    [
      'large numbers keep their digits',
      '{"id":12345678901234567890,"x":0.1000000000000000055511151231257827}',
    ],
    ['non-ASCII text', '{"name":"Zoë 日本 🎉"}'],
  ])('keeps %s', (_, text) => {
    expect(lineOf(text)).toBe(text);
  });

  it('trims the whitespace around the object', () => {
    expect(lineOf('  {"a":1}\r\n')).toBe('{"a":1}');
  });

  it('leaves out a byte order mark, and keeps the text it came with', () => {
    const parsed = parser.parse(Buffer.from('\ufeff{"a":"b:c"}\n'));
    expect(parsed).toEqual({
      ok: true,
      value: { objects: [{ a: 'b:c' }], text: '{"a":"b:c"}\n', line: '{"a":"b:c"}' },
    });
  });

  it('is undefined for a record of several objects: each is serialised', () => {
    const parsed = parser.parse('{"a":1}\n{"a":2}\n');
    expect(parsed).toEqual({
      ok: true,
      value: { objects: [{ a: 1 }, { a: 2 }], text: undefined, line: undefined },
    });
  });

  it('counts the colons of strings inside arrays at every depth', () => {
    expect(lineOf('{"a":[["x:y",{"b":["1:2:3"]}]],"c":":"}')).toBe('{"a":[["x:y",{"b":["1:2:3"]}]],"c":":"}');
    expect(lineOf('{"a":[["x:y",{"b":["1:2:3"],"b":[]}]],"c":":"}')).toBeUndefined();
  });

  it.each([
    ['a duplicate key', '{"a":1,"a":2}'],
    ['a nested duplicate key', '{"a":{"b":1,"c":2,"b":3}}'],
    ['a duplicate key inside an array', '{"a":[{"b":1},{"b":2,"b":3}]}'],
    ['a duplicate key hidden beside a colon in a value', '{"a":"x","a":"y","c":"::"}'],
    ['a newline between tokens', '{"a":1,\n"b":2}'],
    ['a carriage return between tokens', '{"a":1,\r"b":2}'],
    ['an escape (it could spell a colon)', '{"a":1,"a":2,"x":"\\u003a"}'],
    ['an escaped quote', '{"a":"say \\"hi\\""}'],
    // Colons in keys are not counted, so such records are serialised (safe, and rare).
    ['a colon in a key', '{"url:x":"https://h:1/p"}'],
    ['a duplicate key with a colon in it', '{"a:b":1,"a:b":2}'],
  ])('refuses %s', (_, text) => {
    expect(lineOf(text)).toBeUndefined();
  });

  it('accepts every serialised object without colons in keys, and refuses it once a key is repeated (1,000 generated objects)', () => {
    const next = createRandom(7);
    const value = (depth: number): unknown => {
      const pick = next();
      if (depth > 2 || pick < 0.3) return Math.floor(next() * 1000);
      if (pick < 0.5) return ['x', 'a:b', ':', 'https://h:1/p', ''][Math.floor(next() * 5)];
      if (pick < 0.7) return [value(depth + 1), value(depth + 1)];
      const object: Record<string, unknown> = {};
      for (let index = 0; index < 1 + Math.floor(next() * 4); index += 1) {
        const colon = next() < 0.1;
        colonInKey ||= colon;
        object[`k${index}${colon ? ':' : ''}`] = value(depth + 1);
      }
      return object;
    };
    let colonInKey = false;
    let kept = 0;
    for (let round = 0; round < 1000; round += 1) {
      colonInKey = false;
      const object = { root: value(0), id: round };
      const text = JSON.stringify(object);
      expect(lineOf(text)).toBe(colonInKey ? undefined : text);
      if (!colonInKey) kept += 1;
      // Repeat the first key with another value: JSON.parse keeps the last one.
      const duplicated = text.replace('{"root":', `{"root":"shadow","root":`);
      expect(lineOf(duplicated)).toBeUndefined();
    }
    // Both kinds are well represented.
    expect(kept).toBeGreaterThan(300);
    expect(kept).toBeLessThan(900);
  });
});
