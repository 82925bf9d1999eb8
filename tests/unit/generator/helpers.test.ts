import { EXTENSIONS, LEGACY, compileTemplate } from '../../../lib/generator';

function sample(template: string, count = 200, seed = 11): string[] {
  const compiled = compileTemplate(template, { seed });
  return Array.from({ length: count }, () => compiled.render());
}

/** Helpers that cannot do anything useful without an argument. */
const NEED_ARGUMENTS = ['date.between', 'helpers.replaceSymbolWithNumber'];

describe('faker 3.x names of the original generator', () => {
  const names = Object.keys({ ...LEGACY, ...EXTENSIONS });

  it.each(names.filter((name) => !NEED_ARGUMENTS.includes(name)))('%s renders without arguments', (name) => {
    // Act
    const [value] = sample(`{{${name}}}`, 1);

    // Assess
    expect(value).toEqual(expect.any(String));
    expect(value).not.toBe('');
  });

  it.each(NEED_ARGUMENTS)('%s asks for its arguments at compile time', (name) => {
    // Act / Assess
    expect(() => compileTemplate(`{{${name}}}`)).toThrow(
      new RegExp(`^1:1: ${name.replace('.', '\\.')} expects`),
    );
  });

  it.each<[string, RegExp]>([
    ['{{random.number}}', /^\d{1,5}$/],
    ['{{random.uuid}}', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/],
    ['{{random.boolean}}', /^(true|false)$/],
    ['{{random.alphaNumeric(6)}}', /^[a-z0-9]{6}$/],
    ['{{random.words(2)}}', /^\S+( \S+)*$/],
    ['{{random.objectElement({"a":1,"b":2}, "key")}}', /^(a|b)$/],
    ['{{random.objectElement({"a":1,"b":2})}}', /^(1|2)$/],
    ['{{random.arrayElements(["a","b","c"], 2)}}', /^\["[abc]","[abc]"]$/],
    ['{{lorem.words(4)}}', /^\S+ \S+ \S+ \S+$/],
    ['{{address.latitude}}', /^-?\d{1,2}\.\d{4}$/],
    ['{{address.stateAbbr}}', /^[A-Z]{2}$/],
    ['{{address.zipCode("#####")}}', /^\d{5}$/],
    ['{{commerce.price(10, 20, 1, "$")}}', /^\$(1\d|20)\.\d$/],
    ['{{finance.amount({"min":1,"max":2,"dec":3})}}', /^[12]\.\d{3}$/],
    ['{{finance.account(5)}}', /^\d{5}$/],
    ['{{finance.mask(4, true, true)}}', /^\(\.\.\.\d{4}\)$/],
    ['{{internet.color(255, 255, 255)}}', /^#[0-9a-f]{6}$/],
    ['{{internet.password(12)}}', /^.{12}$/],
    ['{{internet.email("Ada", "Lovelace", "example.org")}}', /^Ada.*Lovelace.*@example\.org$/],
    ['{{internet.userName("Ada", "Lovelace")}}', /Ada/],
    ['{{name.firstName(1)}}', /^\S+/],
    ['{{name.findName("Ada", "Lovelace")}}', /Ada.*Lovelace/],
    ['{{phone.phoneNumber("###-####")}}', /^\d{3}-\d{4}$/],
    ['{{helpers.replaceSymbolWithNumber("AB-##")}}', /^AB-\d\d$/],
    ['{{helpers.randomize(["x","y"])}}', /^(x|y)$/],
    ['{{date.past(1, "2020-06-01T00:00:00Z")}}', /^20(19|20)-\d\d-\d\dT/],
    ['{{date.between("2020-01-01", "2020-01-31")}}', /^2020-01-/],
    ['{{date.month({"abbr":true})}}', /^[A-Z][a-z]{2}$/],
    ['{{datatype.number({"min":5,"max":6})}}', /^[56]$/],
    ['{{datatype.float({"min":1,"max":2,"precision":0.1})}}', /^[12](\.\d)?$/],
    ['{{image.cats(200, 100)}}', /200\/100\/cats/],
  ])('%s follows faker 3 semantics', (template, shape) => {
    // Act
    const values = sample(template, 50);

    // Assess
    for (const value of values) expect(value).toMatch(shape);
  });

  it('keeps random.number(max) within [0, max], reaching both ends', () => {
    // Act
    const values = sample('{{random.number(3)}}', 400).map(Number);

    // Assess
    expect(new Set(values)).toEqual(new Set([0, 1, 2, 3]));
  });

  it('honours random.number precision', () => {
    // Act
    const values = sample('{{random.number({"min":0,"max":1,"precision":0.25})}}', 200).map(Number);

    // Assess
    for (const value of values) expect([0, 0.25, 0.5, 0.75, 1]).toContain(value);
  });
});

describe("today's faker names", () => {
  it.each<[string, RegExp]>([
    ['{{string.uuid}}', /^[0-9a-f-]{36}$/],
    ['{{number.int({"min":1,"max":3})}}', /^[123]$/],
    ['{{person.fullName}}', /^\S+ \S+/],
    ['{{location.countryCode("alpha-3")}}', /^[A-Z]{3}$/],
    ['{{name.middleName}}', /^\S+$/],
    ['{{address.direction}}', /^[A-Z]/],
    ['{{helpers.weightedArrayElement([{"weight":1,"value":"only"}])}}', /^only$/],
    ['{{date.anytime}}', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/],
  ])('%s renders', (template, shape) => {
    // Act
    const values = sample(template, 20);

    // Assess
    for (const value of values) expect(value).toMatch(shape);
  });

  it.each([
    '{{faker.seed}}',
    '{{definitions.location}}',
    '{{helpers._private}}',
    '{{rawDefinitions.person}}',
  ])('refuses %s, which is not a helper', (template) => {
    // Act / Assess
    expect(() => compileTemplate(template)).toThrow(/is not a known helper/);
  });
});

describe('random.weightedArrayElement', () => {
  it('picks each element about as often as its weight says', () => {
    // Prepare
    const weights = [0.3, 0.2, 0.5];
    const data = ['cat', 'fish', 'dog'];
    const draws = 20_000;

    // Act
    const values = sample(`{{random.weightedArrayElement(${JSON.stringify({ weights, data })})}}`, draws, 5);

    // Assess
    data.forEach((animal, index) => {
      const share = values.filter((value) => value === animal).length / draws;
      expect(Math.abs(share - (weights[index] as number))).toBeLessThan(0.015);
    });
  });

  it('never picks a zero-weight element and accepts weights that do not add up to 1', () => {
    // Act
    const values = sample(
      '{{random.weightedArrayElement({"weights":[0,3,1],"data":["never","often","sometimes"]})}}',
      2000,
    );

    // Assess
    expect(values).not.toContain('never');
    const often = values.filter((value) => value === 'often').length / values.length;
    expect(often).toBeGreaterThan(0.7);
    expect(often).toBeLessThan(0.8);
  });

  it.each<[string, RegExp]>([
    ['{}', /expects \{"weights"/],
    ['{"weights":[1,"x"],"data":["a","b"]}', /weights\[1] must be a non-negative number/],
    ['{"weights":[0,0],"data":["a","b"]}', /add up to zero/],
  ])('rejects %s', (argument, message) => {
    // Act / Assess
    expect(() => compileTemplate(`{{random.weightedArrayElement(${argument})}}`)).toThrow(message);
  });
});
