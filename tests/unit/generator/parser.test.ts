import { TemplateError, compileTemplate, parseArguments, parseTemplate } from '../../../lib/generator';

describe('parseArguments', () => {
  it.each<[string, string, unknown[]]>([
    ['nothing', '', []],
    ['a JSON number', '70', [70]],
    ['a JSON object', '{"min":10,"max":150}', [{ min: 10, max: 150 }]],
    ['a JSON string', '"YYYY-MM-DD"', ['YYYY-MM-DD']],
    ['several JSON values', '5, 10, 2, "$"', [5, 10, 2, '$']],
    ['plain text, as the original did', 'YYYY-MM-DD HH:mm', ['YYYY-MM-DD HH:mm']],
    ['plain text with commas', 'a, b', ['a, b']],
  ])('parses %s', (_name, text, expected) => {
    // Act
    const args = parseArguments(text);

    // Assess
    expect(args).toEqual(expected);
  });
});

describe('parseTemplate', () => {
  it('splits text and helper calls, keeping positions', () => {
    // Act
    const parsed = parseTemplate('id={{string.uuid}}\n  n={{ random.number(5) }}!');

    // Assess
    expect(parsed.variants).toHaveLength(1);
    expect(parsed.variants[0]?.parts).toEqual([
      { type: 'text', value: 'id=' },
      { type: 'call', name: 'string.uuid', args: [], raw: '{{string.uuid}}', line: 1, column: 4 },
      { type: 'text', value: '  n=' },
      { type: 'call', name: 'random.number', args: [5], raw: '{{ random.number(5) }}', line: 2, column: 5 },
      { type: 'text', value: '!' },
    ]);
  });

  it.each<[string, 'strip' | 'collapse' | 'keep', string]>([
    ['strip (the original)', 'strip', '{  "a": 1,  "b": 2}'],
    ['collapse', 'collapse', '{"a": 1,"b": 2}'],
    ['keep', 'keep', '{\n  "a": 1,\n  "b": 2\n}'],
  ])('handles line breaks with %s', (_name, newlines, expected) => {
    // Act
    const rendered = compileTemplate('\n{\n  "a": 1,\n  "b": 2\n}\n', { newlines }).render();

    // Assess
    expect(rendered).toBe(expected);
  });

  it('drops comments and unescapes \\{{', () => {
    // Act
    const rendered = compileTemplate('{{! note }}a{{!-- long }} note --}}b \\{{literal}}').render();

    // Assess
    expect(rendered).toBe('ab {{literal}}');
  });

  it('reads variant blocks with their weights and names', () => {
    // Act
    const parsed = parseTemplate(
      '{{! c }}\n{{#variant weight=3 name=a}}A{{/variant}}\n{{#variant}}B{{/variant}}\n',
    );

    // Assess
    expect(parsed.variants.map(({ weight, name }) => ({ weight, name }))).toEqual([
      { weight: 3, name: 'a' },
      { weight: 1, name: undefined },
    ]);
  });

  it('accepts parentheses and }} inside JSON strings and nested objects', () => {
    // Act
    const parsed = parseTemplate('{{random.arrayElement(["a)b","}}",{"x":{"y":1}}])}}');

    // Assess
    expect(parsed.variants[0]?.parts[0]).toMatchObject({ args: [['a)b', '}}', { x: { y: 1 } }]] });
  });
});

describe('template errors', () => {
  it.each<[string, string, number, number, RegExp]>([
    [
      'an unknown helper, with a suggestion',
      'a\nb {{name.fristName}}',
      2,
      3,
      /name\.fristName is not a known helper \(did you mean name\.firstName\?\)/,
    ],
    ['a token without }}', '{"a": "{{name.firstName"}', 1, 8, /unexpected """, expected "}}"/],
    ['a token cut off at the end', 'x\n{{name.firstName', 2, 1, /missing "}}"/],
    ['a call without )', 'x {{random.number(5}} {{lorem.words(3)}}', 1, 3, /missing "\)"/],
    ['a name without a module', '{{ uuid }}', 1, 1, /malformed helper name "uuid"/],
    ['a three-part name', '{{a.b.c}}', 1, 1, /expected module\.method/],
    ['an empty token', '  {{}}', 1, 3, /malformed token/],
    ['text after the call', '{{random.number(5) x}}', 1, 1, /unexpected "x"/],
    ['bad helper arguments', '{{random.number({"min":9,"max":1})}}', 1, 1, /max \(1\) is below min \(9\)/],
    ['an unknown date token', '\n\n   {{date.now("YYYY-MM-DD qq")}}', 3, 4, /unsupported token "qq"/],
    [
      'unequal weights and data',
      '{{random.weightedArrayElement({"weights":[1],"data":["a","b"]})}}',
      1,
      1,
      /equal length/,
    ],
    ['a deprecated faker 9 method', '{{image.urlPlaceholder}}', 1, 1, /deprecated/],
    ['an undefined variable', '{{$x}} {{string.uuid as x}}', 1, 1, /\$x is not defined/],
    ['an unclosed comment', 'a {{!-- b', 1, 3, /unterminated comment/],
    ['an unknown block', '{{#each items}}{{/each}}', 1, 1, /unknown block "#each"/],
    ['an unclosed variant', '{{#variant}}\nA', 1, 1, /never closed/],
    ['a stray variant close', 'A{{/variant}}', 1, 2, /without an open/],
    ['nested variants', '{{#variant}}{{#variant}}', 1, 13, /cannot be nested/],
    ['text outside variants', '{{#variant}}A{{/variant}}\nB', 2, 1, /text outside/],
    ['a bad variant weight', '{{#variant weight=-1}}A{{/variant}}', 1, 1, /bad variant attribute/],
  ])('reports %s with its position', (_name, template, line, column, message) => {
    // Act
    let caught: unknown;
    try {
      compileTemplate(template, { source: 'my.tpl' });
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(TemplateError);
    const error = caught as TemplateError;
    expect({ line: error.line, column: error.column }).toEqual({ line, column });
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`my.tpl:${line}:${column}: `)).toBe(true);
  });
});
