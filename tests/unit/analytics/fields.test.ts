import { resolveColumn, schemaFields, type FieldCatalogue } from '../../../lib/analytics';

const SCHEMA = {
  $defs: { geo: { type: 'object', properties: { Lat: { type: 'number' } } } },
  type: 'object',
  properties: { id: { type: 'string' }, where: { $ref: '#/$defs/geo' }, tags: { type: 'array' } },
  allOf: [
    { if: { properties: { id: { const: 'x' } } }, then: { properties: { Extra: { type: 'string' } } } },
  ],
  anyOf: [{ properties: { choice: { type: 'integer' } } }],
  oneOf: [
    { properties: { meta: { type: 'object', patternProperties: { '^x-': {} }, properties: { v: {} } } } },
  ],
};
const catalogue: FieldCatalogue = { root: schemaFields(SCHEMA), source: 'the schema' };
const resolve = (...names: string[]) =>
  resolveColumn(
    catalogue,
    names.map((name) => ({ name, quoted: false })),
    'SELECT',
  );

describe('schemaFields and resolveColumn', () => {
  it.each([
    [['ID'], ['id']],
    [
      ['where', 'lat'],
      ['where', 'Lat'],
    ],
    [['extra'], ['Extra']],
    [['Choice'], ['choice']],
    [
      ['meta', 'V'],
      ['meta', 'v'],
    ],
    // patternProperties: keys the schema does not list are read as written.
    [
      ['meta', 'x-Trace'],
      ['meta', 'x-Trace'],
    ],
  ])('%j reads %j (through $ref, allOf/then, anyOf, oneOf)', (names, path) => {
    expect(resolve(...names)).toEqual(path);
  });

  it.each([
    [['tags', 'first'], /column tags\.first: tags is not an object/],
    [['where', 'lon'], /column where\.lon is not a field of where in the schema/],
    [
      ['nope'],
      /column nope is not a field of the schema; the fields are id, where, tags, Extra, choice, meta/,
    ],
  ])('%j is refused', (names, message) => {
    expect(() => resolve(...names)).toThrow(message);
  });

  it('reads names as written without a catalogue (compileQuery without fields)', () => {
    expect(resolveColumn(undefined, [{ name: 'Any', quoted: false }], 'SELECT')).toEqual(['Any']);
  });
});
