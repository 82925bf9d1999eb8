import { JsonFramer, scanValues, splitConcatenated } from '../../../lib/parquet/framing';

function frame(chunks: string[], maxRecordChars = 1000): { records: string[]; oversized: string[] } {
  const records: string[] = [];
  const oversized: string[] = [];
  const framer = new JsonFramer(
    { record: (text) => records.push(text), oversized: (prefix) => oversized.push(prefix) },
    maxRecordChars,
  );
  for (const chunk of chunks) framer.push(chunk);
  framer.end();
  return { records, oversized };
}

/** Every way of cutting `text` in two, so each boundary is crossed once. */
function splits(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, at) => [text.slice(0, at), text.slice(at)]);
}

describe('JsonFramer', () => {
  it.each([
    ['JSON lines', '{"a":1}\n{"a":2}\n', ['{"a":1}', '{"a":2}']],
    ['no final newline', '{"a":1}\n{"a":2}', ['{"a":1}', '{"a":2}']],
    ['CRLF and blank lines', '\r\n{"a":1}\r\n\r\n  \n{"a":2}\r\n', ['{"a":1}', '{"a":2}']],
    ['a broken line among JSON lines', '{"a":1}\n{"a":\n{"a":3}\n', ['{"a":1}', '{"a":', '{"a":3}']],
    ['concatenated objects', '{"a":1}{"a":"}{"} {"a":3}', ['{"a":1}{"a":"}{"} {"a":3}']],
    [
      'pretty-printed objects',
      '{\n  "a": 1\n}\n{\n  "b": "x\\"}"\n}\n',
      ['{\n  "a": 1\n}', '{\n  "b": "x\\"}"\n}'],
    ],
    ['an unterminated object at the end', '{\n "a": 1\n}\n{\n "b"', ['{\n "a": 1\n}', '{\n "b"']],
    ['a byte order mark', '\ufeff{"a":1}\n', ['{"a":1}']],
  ])('%s, cut anywhere', (_label, text, expected) => {
    // Act
    const results = splits(text).map((chunks) => frame(chunks).records);

    // Assess
    for (const records of results) expect(records).toEqual(expected);
  });

  it('reports an oversized line once, with its beginning, and resumes at the next line', () => {
    // Prepare
    const long = `{"a":"${'x'.repeat(50)}"}`;

    // Act
    const { records, oversized } = frame(
      [`{"a":1}\n${long.slice(0, 30)}`, long.slice(30), '\n{"a":2}\n'],
      20,
    );

    // Assess
    expect(records).toEqual(['{"a":1}', '{"a":2}']);
    expect(oversized).toEqual([long.slice(0, 20)]);
  });

  it('stops on an oversized record without newlines (no safe place to resume)', () => {
    // Act / Assess
    expect(() => frame(['{\n"a": "', 'x'.repeat(100)], 20)).toThrow(/exceeds 20 characters/);
  });
});

describe('splitConcatenated', () => {
  it.each([
    ['{"a":1}{"b":2}', ['{"a":1}', '{"b":2}']],
    [' {"a":"}{"} \t{"b":[1,{}]}', ['{"a":"}{"}', '{"b":[1,{}]}']],
    ['{"a":1}', undefined],
    ['{"a":1}{"b":', undefined],
    ['not json', undefined],
    ['{"a":1} 2', undefined],
  ])('%s', (line, expected) => {
    // Act / Assess
    expect(splitConcatenated(line)).toEqual(expected);
  });
});

describe('scanValues', () => {
  it('returns spans of top-level values and where an incomplete one starts', () => {
    // Act
    const result = scanValues('{"a":1} [2] "s" 3 {"b":');

    // Assess
    expect(result).toEqual({
      spans: [
        [0, 7],
        [8, 11],
        [12, 15],
        [16, 17],
      ],
      complete: false,
      end: 18,
    });
  });
});
