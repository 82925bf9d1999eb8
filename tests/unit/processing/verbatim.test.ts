import { createRandom } from '../../../lib/generator/random';
import { verbatimLine } from '../../../lib/processing/verbatim';
import { createRecordProcessor } from '../../../lib/processing/record-processor';
import { compileTransforms } from '../../../lib/transform';

const parsed = (text: string) => JSON.parse(text) as object;

describe('verbatimLine', () => {
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
    expect(verbatimLine(text, parsed(text))).toBe(text);
  });

  it('trims the whitespace around the object', () => {
    expect(verbatimLine('  {"a":1}\r\n', parsed('{"a":1}'))).toBe('{"a":1}');
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
    expect(verbatimLine(text, parsed(text))).toBeUndefined();
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
      expect(verbatimLine(text, object)).toBe(colonInKey ? undefined : text);
      if (!colonInKey) kept += 1;
      // Repeat the first key with another value: JSON.parse keeps the last one.
      const duplicated = text.replace('{"root":', `{"root":"shadow","root":`);
      expect(verbatimLine(duplicated, parsed(duplicated))).toBeUndefined();
    }
    // Both kinds are well represented.
    expect(kept).toBeGreaterThan(300);
    expect(kept).toBeLessThan(900);
  });
});

describe('record processor: unchanged records keep their text', () => {
  const processor = (steps: Parameters<typeof compileTransforms>[0]) =>
    createRecordProcessor({
      validate: () => ({ ok: true }),
      transform: compileTransforms(steps, { inPlace: true }),
      maxBytes: 1_000_000,
    });
  const context = { ingestionTime: new Date(Date.UTC(2026, 10, 22, 12, 0, 0)) };
  const run = (steps: Parameters<typeof compileTransforms>[0], text: string) => {
    const p = processor(steps);
    const decoded = p.decode(Buffer.from(text));
    if (!decoded.ok) throw new Error(decoded.message);
    return p.process(decoded.value.objects[0]!, context, decoded.value.text);
  };

  it('passes the producer text on when no step changes the record', () => {
    const text = '{"id":12345678901234567890,"timestamp":"2026-11-22T12:00:00.000Z"}\n';
    const outcome = run(
      [{ timestamp: { fields: ['timestamp'], to: 'iso' } }, { filter: { drop: { field: 'id', equals: 1 } } }],
      text,
    );
    expect(outcome).toMatchObject({ kind: 'ok', verbatim: true, line: text.trim() });
  });

  it('serialises a record a step changed', () => {
    const outcome = run([{ add: { field: 'x', value: 1 } }], '{"id":1}');
    expect(outcome).toMatchObject({ kind: 'ok', verbatim: false, line: '{"id":1,"x":1}' });
  });

  it('serialises a record with a duplicate key, so the value validated is the one written', () => {
    const outcome = run([], '{"id":1,"id":2}');
    expect(outcome).toMatchObject({ kind: 'ok', verbatim: false, line: '{"id":2}' });
  });

  it('serialises pretty-printed JSON onto one line', () => {
    const outcome = run([], '{\n  "id": 1\n}');
    expect(outcome).toMatchObject({ kind: 'ok', verbatim: false, line: '{"id":1}' });
  });

  it('serialises each object of a JSON-lines record', () => {
    const p = processor([]);
    const decoded = p.decode(Buffer.from('{"id": 1}\n{"id": 2}\n'));
    expect(decoded.ok && decoded.value.text).toBeUndefined();
  });

  it('keeps the text of a one-object record, byte order mark removed', () => {
    const decoded = processor([]).decode(Buffer.from('\ufeff{"id":1}'));
    expect(decoded.ok && decoded.value.text).toBe('{"id":1}');
  });
});
