import { createJsonParser, parseJsonObject, parseJsonRecords, type JsonObject } from '../../../lib/records';
import { clickstreamEvents } from './factories';

const events = clickstreamEvents(3, 5);
const [first, second, third] = events.map((event) => JSON.stringify(event)) as [string, string, string];

describe('parseJsonRecords accepts', () => {
  it.each([
    ['one object', first, [first]],
    ['one object with surrounding whitespace', `\n\t ${first} \r\n`, [first]],
    ['JSON lines', `${first}\n${second}\n${third}`, [first, second, third]],
    ['JSON lines with a trailing newline', `${first}\n${second}\n`, [first, second]],
    ['JSON lines with CRLF', `${first}\r\n${second}\r\n`, [first, second]],
    ['JSON lines with blank lines', `\n${first}\n\n\r\n${second}\n\n`, [first, second]],
    ['concatenated objects (what Firehose delivers)', `${first}${second}${third}`, [first, second, third]],
    ['concatenated objects with spaces', `${first} ${second}\t${third}`, [first, second, third]],
    [
      'concatenated pretty-printed objects',
      events.map((event) => JSON.stringify(event, null, 2)).join(''),
      [first, second, third],
    ],
    ['a leading byte order mark', `\ufeff${first}\n${second}`, [first, second]],
    ['brackets and braces inside strings', '{"a":"}{]["}{"b":"{"}', ['{"a":"}{]["}', '{"b":"{"}']],
    ['escaped quotes before a brace', '{"a":"\\"}"}{"b":1}', ['{"a":"\\"}"}', '{"b":1}']],
    ['a string ending in a backslash', '{"a":"\\\\"}{"b":2}', ['{"a":"\\\\"}', '{"b":2}']],
    [
      'unicode escapes and non-ASCII',
      '{"name":"Zo\\u00eb","city":"Köln 🙂"}',
      ['{"name":"Zo\\u00eb","city":"Köln 🙂"}'],
    ],
    ['an empty object', '{}', ['{}']],
  ])('%s', (_name, input, expectedTexts) => {
    // Prepare
    const expected = expectedTexts.map((text) => JSON.parse(text) as JsonObject);

    // Act
    const fromString = parseJsonRecords(input);
    const fromBuffer = parseJsonRecords(Buffer.from(input, 'utf8'));

    // Assess
    expect(fromString).toEqual({ ok: true, value: expected });
    expect(fromBuffer).toEqual(fromString);
  });

  it('a Firehose-sized batch: 1,000 clickstream events as JSON lines and concatenated', () => {
    // Prepare
    const batch = clickstreamEvents(1000, 9);
    const lines = batch.map((event) => JSON.stringify(event));

    // Act
    const fromLines = parseJsonRecords(lines.join('\n'));
    const fromConcatenation = parseJsonRecords(lines.join(''));

    // Assess
    expect(fromLines).toEqual({ ok: true, value: batch });
    expect(fromConcatenation).toEqual({ ok: true, value: batch });
  });
});

describe('parseJsonRecords rejects', () => {
  it.each([
    ['a top-level array', '[{"a":1}]', 'JSON value #0 at offset 0 is an array, not an object'],
    ['a number', '42', 'JSON value #0 at offset 0 is a number, not an object'],
    ['a string', '"hello"', 'JSON value #0 at offset 0 is a string, not an object'],
    ['null', 'null', 'JSON value #0 at offset 0 is null, not an object'],
    ['a boolean after a space', ' true', 'JSON value #0 at offset 1 is a boolean, not an object'],
    ['an array line among objects', '{"a":1}\n[1]', 'JSON value #1 at offset 8 is an array, not an object'],
    ['a number glued to an object', '{"a":1}5', 'JSON value #1 at offset 7 is a number, not an object'],
    [
      'a string with spaces after an object',
      '{"a":1} "x y"',
      'JSON value #1 at offset 8 is a string, not an object',
    ],
    ['a number before an object', '7{"a":1}', 'JSON value #0 at offset 0 is a number, not an object'],
  ])('%s as not-an-object', (_name, input, message) => {
    // Act
    const result = parseJsonRecords(input);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'not-an-object', message });
  });

  it.each([
    ['an empty record', '', /^no JSON value in the data/],
    ['whitespace only', ' \r\n\t\n', /^no JSON value in the data/],
    ['a truncated object', '{"a":1', /^JSON value #0 at offset 0 is not terminated/],
    ['a truncated second object', '{"a":1}{"b":', /^JSON value #1 at offset 7 is not terminated/],
    ['an unterminated string', '{"a":"b}', /^JSON value #0 at offset 0 is not terminated/],
    ['a missing value', '{"a":}', /^JSON value #0 at offset 0 is invalid: Unexpected token/],
    ['mismatched brackets', '{"a":1]', /^JSON value #0 at offset 0 is invalid: /],
    ['single quotes', "{'a':1}", /^JSON value #0 at offset 0 is invalid: /],
    ['a trailing comma', '{"a":1,}', /^JSON value #0 at offset 0 is invalid: /],
    ['text', 'secret-token-1234', /^JSON value #0 at offset 0 is invalid: Unexpected token 's'$/],
    ['a bad second line', '{"a":1}\nnot json', /^JSON value #1 at offset 8 is invalid: /],
    ['a stray closing brace', '{"a":1}}', /^JSON value #1 at offset 7 is invalid: /],
  ])('%s as invalid-json', (_name, input, message) => {
    // Act
    const result = parseJsonRecords(input);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'invalid-json', message: expect.stringMatching(message) });
  });

  it('never echoes the payload in the message', () => {
    // Prepare
    const input = '{"password":"hunter2-very-secret" oops}';

    // Act
    const result = parseJsonRecords(input);

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).not.toMatch(/hunter2|secret|oops/);
  });
});

describe('nesting depth', () => {
  const nested = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

  it.each([
    ['exactly the limit', true, nested(64)],
    ['one level over the limit', false, nested(65)],
    ['arrays inside objects at the limit', true, `{"a":${'['.repeat(63)}${']'.repeat(63)}}`],
    ['arrays inside objects over the limit', false, `{"a":${'['.repeat(64)}${']'.repeat(64)}}`],
    ['brackets inside strings (not nesting)', true, `{"a":"${'['.repeat(500)}"}`],
    ['many shallow siblings', true, `{"a":[${Array.from({ length: 500 }, () => '{"b":[1]}').join(',')}]}`],
  ])('default limit 64: %s → accepted %s', (_name, accepted, input) => {
    // Act
    const result = parseJsonRecords(input);

    // Assess
    expect(result.ok).toBe(accepted);
    if (!result.ok) expect(result.reason).toBe('nesting-too-deep');
  });

  it.each([
    ['100,000 unbalanced [', '['.repeat(100_000)],
    ['100,000 balanced [ ]', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['100,000 nested objects', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)],
    ['a deep second JSON line', `{"ok":1}\n{"a":${'['.repeat(100_000)}`],
  ])('%s → nesting-too-deep without crashing', (_name, input) => {
    // Act
    const records = parseJsonRecords(input);
    const object = parseJsonObject(input);

    // Assess
    expect(records).toEqual({
      ok: false,
      reason: 'nesting-too-deep',
      message: expect.stringMatching(/nests deeper than 64 levels$/),
    });
    expect(object).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^(nesting-too-deep|invalid-json)$/),
    });
  });

  it('finds a long text nesting too deep with the scanner, before JSON.parse builds it', () => {
    // Prepare: 2 MB of brackets, a million levels.
    const input = `{"a":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
    const parse = jest.spyOn(JSON, 'parse');

    try {
      // Act
      const records = parseJsonRecords(input);
      const object = parseJsonObject(input);

      // Assess
      const expected = {
        ok: false,
        reason: 'nesting-too-deep',
        message: 'JSON value #0 at offset 0 nests deeper than 64 levels',
      };
      expect(records).toEqual(expected);
      expect(object).toEqual(expected);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it('names the offset of a one-object record that parses but nests too deep', () => {
    // Act
    const result = parseJsonRecords(`  ${nested(65)}\n`);

    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'nesting-too-deep',
      message: 'JSON value #0 at offset 2 nests deeper than 64 levels',
    });
  });

  it('names the offending value in JSON lines', () => {
    // Act
    const result = parseJsonRecords(`{"ok":1}\n${nested(65)}`);

    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'nesting-too-deep',
      message: 'JSON value #1 at offset 9 nests deeper than 64 levels',
    });
  });

  it.each([
    [1, '{"a":1}', true],
    [1, '{"a":{}}', false],
    [3, '{"a":{"b":[1]}}', true],
    [3, '{"a":{"b":[[1]]}}', false],
  ])('maxDepth %i: %s → accepted %s', (maxDepth, input, accepted) => {
    // Prepare
    const parser = createJsonParser({ maxDepth });

    // Act
    const records = parser.records(input);
    const object = parser.object(input);

    // Assess
    expect(records.ok).toBe(accepted);
    expect(object.ok).toBe(accepted);
    if (!records.ok) expect(records.reason).toBe('nesting-too-deep');
    if (!object.ok) expect(object.reason).toBe('nesting-too-deep');
  });
});

describe('forbidden keys (default: __proto__, constructor, prototype are rejected)', () => {
  it.each([
    ['__proto__ at the top', '{"__proto__":{"isAdmin":true}}', '__proto__'],
    ['constructor.prototype', '{"a":1,"constructor":{"prototype":{"isAdmin":true}}}', 'constructor'],
    ['prototype nested in an array', '{"a":{"b":[{"c":1},{"prototype":{}}]}}', 'a.b[1].prototype'],
    ['__proto__ written with a unicode escape', '{"__pro\\u0074o__":{"isAdmin":true}}', '__proto__'],
    ['__proto__ deep in a pretty-printed object', '{\n  "x": {\n    "__proto__": 1\n  }\n}', 'x.__proto__'],
  ])('%s → forbidden-key naming the path', (_name, input, path) => {
    // Act
    const records = parseJsonRecords(input);
    const object = parseJsonObject(input);

    // Assess
    const expected = {
      ok: false,
      reason: 'forbidden-key',
      message: `JSON value #0 at offset 0 has the forbidden key ${path}`,
    };
    expect(records).toEqual(expected);
    expect(object).toEqual(expected);
  });

  it('names the value in JSON lines', () => {
    // Act
    const result = parseJsonRecords('{"a":1}\n{"__proto__":{}}');

    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'forbidden-key',
      message: 'JSON value #1 at offset 8 has the forbidden key __proto__',
    });
  });

  it.each([
    ['the names as string values', '{"a":"__proto__","b":"constructor","c":["prototype"]}'],
    ['longer keys that contain the names', '{"__proto__x":1,"constructors":2,"prototypes":3}'],
    ['unicode escapes that spell other keys', '{"caf\\u00e9":"\\u0041"}'],
  ])('accepts %s', (_name, input) => {
    // Act
    const result = parseJsonRecords(input);

    // Assess
    expect(result).toEqual({ ok: true, value: [JSON.parse(input)] });
  });

  it('with forbiddenKeys: [] keeps them as own data properties and Object.prototype stays clean', () => {
    // Prepare
    const parser = createJsonParser({ forbiddenKeys: [] });
    const input = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}';

    // Act
    const result = parser.object(input);
    const value = result.ok ? result.value : {};
    const spread = { ...value };
    const cloned = structuredClone(value);
    const assigned = Object.assign({}, value);

    // Assess
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(spread)).toBe(Object.prototype);
    expect(Object.keys(cloned)).toEqual(['__proto__', 'constructor']);
    expect((cloned as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Object.assign uses [[Set]]: it swaps the target's prototype (no global pollution) — why the default rejects.
    expect(Object.getPrototypeOf(assigned)).not.toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('custom forbiddenKeys replace the defaults, escapes included', () => {
    // Prepare
    const parser = createJsonParser({ forbiddenKeys: ['$where', 'a/b'] });

    // Act
    const where = parser.records('{"q":{"$where":"sleep(1000)"}}');
    const slash = parser.records('{"a\\/b":1}');
    const proto = parser.records('{"constructor":1}');

    // Assess
    expect(where).toMatchObject({
      ok: false,
      reason: 'forbidden-key',
      message: expect.stringMatching(/key q\.\$where$/),
    });
    expect(slash).toMatchObject({
      ok: false,
      reason: 'forbidden-key',
      message: expect.stringMatching(/key a\/b$/),
    });
    expect(proto).toEqual({ ok: true, value: [{ constructor: 1 }] });
  });
});

describe('UTF-8', () => {
  it.each([
    ['Latin-1 bytes', Buffer.from('{"city":"Köln"}', 'latin1')],
    [
      'a truncated multi-byte character',
      Buffer.concat([Buffer.from('{"a":"'), Buffer.from('€').subarray(0, 2), Buffer.from('"}')]),
    ],
    ['binary data', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
  ])('rejects %s as invalid-utf8 instead of garbling them', (_name, data) => {
    // Act
    const records = parseJsonRecords(data);
    const object = parseJsonObject(data);

    // Assess
    const expected = { ok: false, reason: 'invalid-utf8', message: 'the data is not valid UTF-8' };
    expect(records).toEqual(expected);
    expect(object).toEqual(expected);
  });

  it.each([
    ['a Buffer holding a real U+FFFD', Buffer.from('{"a":"\ufffd"}', 'utf8')],
    ['a string holding U+FFFD', '{"a":"\ufffd"}'],
  ])('accepts %s', (_name, input) => {
    // Act
    const result = parseJsonRecords(input);

    // Assess
    expect(result).toEqual({ ok: true, value: [{ a: '\ufffd' }] });
  });
});

describe('parseJsonObject', () => {
  it.each([
    ['one object', first, { ok: true, value: events[0] }],
    ['whitespace around it', `  ${first}\n`, { ok: true, value: events[0] }],
    ['two objects', `${first}\n${second}`, expect.objectContaining({ reason: 'invalid-json' })],
    [
      'an array',
      '[1]',
      { ok: false, reason: 'not-an-object', message: 'JSON value #0 at offset 0 is an array, not an object' },
    ],
    [
      'nothing',
      '',
      { ok: false, reason: 'invalid-json', message: 'invalid JSON: Unexpected end of JSON input' },
    ],
    ['a Buffer with a BOM', Buffer.from(`\ufeff${first}`), { ok: true, value: events[0] }],
  ])('%s', (_name, input, expected) => {
    // Act / Assess
    expect(parseJsonObject(input)).toEqual(expected);
  });
});

describe('options are validated once, when the parser is created', () => {
  it.each([
    [{ maxDepth: 0 }, RangeError],
    [{ maxDepth: 1.5 }, RangeError],
    [{ maxDepth: 5000 }, RangeError],
    [{ forbiddenKeys: [''] }, TypeError],
    [{ forbiddenKeys: '__proto__' }, TypeError],
    [{ maxdepth: 10 }, TypeError],
  ])('%p throws %p', (options, error) => {
    // Act / Assess
    expect(() => createJsonParser(options as never)).toThrow(error);
    expect(() => parseJsonRecords('{}', options as never)).toThrow(error);
  });

  it('the same options object reuses one parser', () => {
    // Prepare
    const options = { maxDepth: 2 };

    // Act
    const results = ['{"a":{}}', '{"a":{"b":{}}}'].map((input) => parseJsonRecords(input, options).ok);

    // Assess
    expect(results).toEqual([true, false]);
  });
});
