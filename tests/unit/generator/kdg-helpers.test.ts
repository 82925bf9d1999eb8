/**
 * Every helper the Kinesis Data Generator's own faker build offers must render here. The KDG ships a patched
 * faker.js 3.x bundle (awslabs/amazon-kinesis-data-generator @ 80b2ac3, web/js/faker.js) with its own
 * additions: `date.simTime`, `internet.session` (commit eeb14df), `address.nearbyGPSCoordinate` (44cd8e4).
 * The list below is every `faker.<module>.<method>` function of that bundle, enumerated by loading it (the
 * bundle is not in ../shared/reference/real-world, so the names are kept here; `faker.fake` is the template
 * engine itself, not a helper).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileTemplate, SESSION_MIN } from '../../../lib/generator';

const KDG_FAKER_BUILD: Record<string, string[]> = {
  address: [
    'city',
    'cityPrefix',
    'citySuffix',
    'country',
    'countryCode',
    'county',
    'latitude',
    'longitude',
    'nearbyGPSCoordinate',
    'secondaryAddress',
    'state',
    'stateAbbr',
    'streetAddress',
    'streetName',
    'streetPrefix',
    'streetSuffix',
    'zipCode',
  ],
  commerce: ['color', 'department', 'price', 'product', 'productAdjective', 'productMaterial', 'productName'],
  company: [
    'bs',
    'bsAdjective',
    'bsBuzz',
    'bsNoun',
    'catchPhrase',
    'catchPhraseAdjective',
    'catchPhraseDescriptor',
    'catchPhraseNoun',
    'companyName',
    'companySuffix',
    'suffixes',
  ],
  date: ['between', 'future', 'month', 'now', 'past', 'recent', 'simTime', 'utc', 'weekday'],
  finance: [
    'account',
    'accountName',
    'amount',
    'bitcoinAddress',
    'currencyCode',
    'currencyName',
    'currencySymbol',
    'mask',
    'transactionType',
  ],
  hacker: ['abbreviation', 'adjective', 'ingverb', 'noun', 'phrase', 'verb'],
  helpers: [
    'contextualCard',
    'createCard',
    'createTransaction',
    'mustache',
    'randomize',
    'replaceSymbolWithNumber',
    'replaceSymbols',
    'shuffle',
    'slugify',
    'userCard',
  ],
  image: [
    'abstract',
    'animals',
    'avatar',
    'business',
    'cats',
    'city',
    'fashion',
    'food',
    'image',
    'imageUrl',
    'nature',
    'nightlife',
    'people',
    'sports',
    'technics',
    'transport',
  ],
  internet: [
    'avatar',
    'color',
    'domainName',
    'domainSuffix',
    'domainWord',
    'email',
    'exampleEmail',
    'ip',
    'mac',
    'password',
    'protocol',
    'session',
    'url',
    'userAgent',
    'userName',
  ],
  lorem: ['lines', 'paragraph', 'paragraphs', 'sentence', 'sentences', 'text', 'word', 'words'],
  name: [
    'findName',
    'firstName',
    'jobArea',
    'jobDescriptor',
    'jobTitle',
    'jobType',
    'lastName',
    'prefix',
    'suffix',
    'title',
  ],
  phone: ['phoneFormats', 'phoneNumber', 'phoneNumberFormat'],
  random: [
    'alphaNumeric',
    'arrayElement',
    'boolean',
    'image',
    'locale',
    'number',
    'objectElement',
    'uuid',
    'weightedArrayElement',
    'word',
    'words',
  ],
  system: [
    'commonFileExt',
    'commonFileName',
    'commonFileType',
    'directoryPath',
    'fileExt',
    'fileName',
    'filePath',
    'fileType',
    'mimeType',
    'semver',
  ],
};

/** Arguments for the helpers that, in the KDG too, need some to do anything. */
const ARGUMENTS: Record<string, string> = {
  'date.between': '("2024-01-01", "2024-12-31")',
  'helpers.mustache': '("hi {{x}}", {"x":"y"})',
  'helpers.replaceSymbolWithNumber': '("###-##")',
  'helpers.replaceSymbols': '("##??")',
  'helpers.slugify': '("Hello World")',
};

const NAMES = Object.entries(KDG_FAKER_BUILD).flatMap(([module, methods]) =>
  methods.map((method) => `${module}.${method}`),
);

function render(template: string, seed = 7): string {
  return compileTemplate(template, { seed }).render();
}

describe("the KDG's faker build", () => {
  it('lists the 142 helpers of the bundle', () => {
    expect(NAMES).toHaveLength(142);
    expect(new Set(NAMES).size).toBe(142);
  });

  it.each(NAMES)('%s renders', (name) => {
    // Act
    const value = render(`{{${name}${ARGUMENTS[name] ?? ''}}}`);

    // Assess
    expect(value).toEqual(expect.any(String));
    expect(value).not.toBe('');
  });
});

describe('the KDG templates in ../shared/reference/real-world/kdg', () => {
  const DIR = '../shared/reference/real-world/kdg';
  const files = readdirSync(DIR).filter((file) => file.endsWith('.tpl'));
  // The KDG's own rewrite of its older token; not a faker name.
  const OLD_TOKENS = new Set(['current.timestamp']);

  it('are there to read', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files)('%s uses only helpers of the build and renders', (file) => {
    // Prepare
    const text = readFileSync(join(DIR, file), 'utf8');
    const used = [...text.matchAll(/\{\{\s*([A-Za-z]+\.[A-Za-z]+)/g)].map((match) => match[1]!);

    // Act
    const value = compileTemplate(text, { seed: 1 }).render();

    // Assess
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(NAMES.includes(name) || OLD_TOKENS.has(name)).toBe(true);
    expect(value.trim()).not.toBe('');
    expect(value).not.toContain('{{');
  });
});

describe('internet.session (a KDG addition)', () => {
  it('is a number between the KDG bounds, different per record, repeatable under a seed', () => {
    // Act
    const template = compileTemplate('{{internet.session}}', { seed: 3 });
    const values = Array.from({ length: 500 }, () => template.render());
    const again = compileTemplate('{{internet.session}}', { seed: 3 }).render();

    // Assess: 16 digits, maybe with a fraction, as String() of the KDG's float.
    for (const value of values) {
      expect(value).toMatch(/^\d{16}(\.\d+)?$/);
      const number = Number(value);
      expect(number).toBeGreaterThanOrEqual(SESSION_MIN);
      expect(number).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    }
    expect(new Set(values).size).toBeGreaterThan(495);
    expect(again).toBe(values[0]);
    // Spread over the whole range, not stuck at a bound.
    const numbers = values.map(Number);
    const middle = (SESSION_MIN + Number.MAX_SAFE_INTEGER) / 2;
    expect(numbers.filter((n) => n < middle).length).toBeGreaterThan(150);
    expect(numbers.filter((n) => n > middle).length).toBeGreaterThan(150);
  });

  it('takes no argument', () => {
    expect(() => compileTemplate('{{internet.session(5)}}')).toThrow(/internet\.session.*takes no argument/);
  });
});

describe('address.nearbyGPSCoordinate (a KDG addition)', () => {
  /** Great-circle distance in km (haversine). */
  function kilometres([lat1, lon1]: number[], [lat2, lon2]: number[]): number {
    const rad = Math.PI / 180;
    const a =
      Math.sin(((lat2! - lat1!) * rad) / 2) ** 2 +
      Math.cos(lat1! * rad) * Math.cos(lat2! * rad) * Math.sin(((lon2! - lon1!) * rad) / 2) ** 2;
    return 2 * 6371 * Math.asin(Math.sqrt(a));
  }

  it.each([
    ['{"coordinate":[47.6062,-122.3321],"radius":5,"isMetric":true}', 5],
    ['{"coordinate":["47.6062","-122.3321"],"radius":3}', 3 * 1.609344],
  ])("keeps the point within the radius of %s, as the KDG's two 4-decimal strings", (options, km) => {
    const template = compileTemplate(`{{address.nearbyGPSCoordinate(${options})}}`, { seed: 5 });
    for (let i = 0; i < 200; i += 1) {
      const pair = JSON.parse(template.render()) as string[];
      expect(pair).toEqual([
        expect.stringMatching(/^-?\d+\.\d{4}$/),
        expect.stringMatching(/^-?\d+\.\d{4}$/),
      ]);
      expect(kilometres([47.6062, -122.3321], pair.map(Number))).toBeLessThanOrEqual(km + 0.02);
    }
  });

  it.each([
    ['("47.6,-122.3")', /takes one object/],
    ['({"coordinate":[95,0]})', /coordinate must be \[latitude, longitude\]/],
    ['({"coordinate":[47.6]})', /coordinate must be/],
    ['({"coordinate":[47.6,-122.3],"radius":0})', /radius must be above 0/],
    ['({"coordinate":[47.6,-122.3],"radius":"far"})', /radius must be a number/],
  ])('refuses %s at compile time', (args, message) => {
    expect(() => compileTemplate(`{{address.nearbyGPSCoordinate${args}}}`)).toThrow(message);
  });
});
