import {
  SchemaMappingError,
  columnsFromJsonSchema,
  glueTypeOf,
  parquetSchemaOf,
  type ColumnNode,
} from '../../../lib/parquet/schema';

const defaults = {
  caseInsensitive: true,
  convertDotsInKeysToUnderscores: false,
  columnToJsonKeyMappings: {},
  unsupportedTypes: 'json' as const,
};

function columnsOf(
  properties: Record<string, unknown>,
  extra: object = {},
  options: Partial<typeof defaults> = {},
): ColumnNode[] {
  return columnsFromJsonSchema({ type: 'object', properties, ...extra }, { ...defaults, ...options });
}

function only(property: unknown): ColumnNode {
  const [column] = columnsOf({ field: property });
  return column as ColumnNode;
}

describe('columnsFromJsonSchema', () => {
  it.each([
    ['string', { type: 'string' }, 'string', 'string'],
    ['integer', { type: 'integer' }, 'int64', 'bigint'],
    ['number', { type: 'number' }, 'double', 'double'],
    ['integer or number', { type: ['integer', 'number'] }, 'double', 'double'],
    ['boolean', { type: 'boolean' }, 'boolean', 'boolean'],
    ['date-time', { type: 'string', format: 'date-time' }, 'timestamp', 'timestamp'],
    ['date', { type: 'string', format: 'date' }, 'date', 'date'],
    ['other string format', { type: 'string', format: 'uuid' }, 'string', 'string'],
    ['string enum without type', { enum: ['a', 'b'] }, 'string', 'string'],
    ['integer const without type', { const: 3 }, 'int64', 'bigint'],
    ['object', { type: 'object', properties: { a: { type: 'string' } } }, 'struct', 'struct<a:string>'],
    ['properties without type', { properties: { a: { type: 'integer' } } }, 'struct', 'struct<a:bigint>'],
    ['array of strings', { type: 'array', items: { type: 'string' } }, 'list', 'array<string>'],
    [
      'array of arrays',
      { type: 'array', items: { type: 'array', items: { type: 'number' } } },
      'list',
      'array<array<double>>',
    ],
    ['anyOf with null', { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }] }, 'date', 'date'],
    [
      'oneOf of one type',
      {
        oneOf: [
          { type: 'string', format: 'email' },
          { type: 'string', format: 'uri' },
        ],
      },
      'string',
      'string',
    ],
    ['oneOf of different types', { oneOf: [{ type: 'string' }, { type: 'integer' }] }, 'json', 'string'],
    ['several types', { type: ['string', 'integer'] }, 'json', 'string'],
    ['tuple array', { type: 'array', prefixItems: [{ type: 'string' }] }, 'json', 'string'],
    ['array without items', { type: 'array' }, 'json', 'string'],
    [
      'object without properties',
      { type: 'object', additionalProperties: { type: 'string' } },
      'json',
      'string',
    ],
    ['anything', {}, 'json', 'string'],
  ])('%s → %s (Glue %s)', (_label, property, kind, glue) => {
    // Act
    const column = only(property);

    // Assess
    expect(column.kind).toBe(kind);
    expect(glueTypeOf(column)).toBe(glue);
  });

  it.each([
    ['required', { type: 'string' }, true, true, false, 'REQUIRED'],
    ['optional', { type: 'string' }, false, false, false, 'OPTIONAL'],
    ['required but nullable', { type: ['string', 'null'] }, true, true, true, 'OPTIONAL'],
    ['optional and nullable', { type: ['null', 'string'] }, false, false, true, 'OPTIONAL'],
  ])('%s field', (_label, property, inRequired, required, nullable, repetition) => {
    // Act
    const columns = columnsOf({ field: property }, inRequired ? { required: ['field'] } : {});
    const [, element] = parquetSchemaOf(columns);

    // Assess
    expect(columns[0]).toMatchObject({ required, nullable });
    expect(element?.repetition_type).toBe(repetition);
  });

  it('writes lists in the 3-level LIST form, elements required unless nullable', () => {
    // Act
    const schema = parquetSchemaOf(
      columnsOf({
        tags: { type: 'array', items: { type: 'string' } },
        maybe: { type: 'array', items: { type: ['integer', 'null'] } },
      }),
    );

    // Assess
    expect(
      schema.map(({ name, repetition_type, converted_type, num_children }) => ({
        name,
        repetition_type,
        converted_type,
        num_children,
      })),
    ).toEqual([
      { name: 'schema', repetition_type: undefined, converted_type: undefined, num_children: 2 },
      { name: 'tags', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', converted_type: undefined, num_children: 1 },
      { name: 'element', repetition_type: 'REQUIRED', converted_type: 'UTF8', num_children: undefined },
      { name: 'maybe', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', converted_type: undefined, num_children: 1 },
      { name: 'element', repetition_type: 'OPTIONAL', converted_type: undefined, num_children: undefined },
    ]);
  });

  it('writes timestamps as UTC-adjusted INT64 microseconds', () => {
    // Act
    const [, element] = parquetSchemaOf(columnsOf({ ts: { type: 'string', format: 'date-time' } }));

    // Assess
    expect(element).toMatchObject({
      type: 'INT64',
      converted_type: 'TIMESTAMP_MICROS',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
    });
  });

  it('resolves local $defs references and merges allOf branches', () => {
    // Prepare
    const schema = {
      type: 'object',
      $defs: { money: { type: 'object', required: ['amount'], properties: { amount: { type: 'number' } } } },
      properties: { price: { $ref: '#/$defs/money' } },
      allOf: [
        { properties: { extra: { type: 'boolean' } } },
        { required: ['price'] },
        { if: { properties: { extra: { const: true } } }, then: { required: ['extra'] } },
      ],
    };

    // Act
    const columns = columnsFromJsonSchema(schema, defaults);

    // Assess
    expect(columns.map((column) => [column.name, glueTypeOf(column), column.required])).toEqual([
      ['price', 'struct<amount:double>', true],
      ['extra', 'boolean', false],
    ]);
  });

  it('stores a recursive type as JSON text', () => {
    // Prepare
    const schema = {
      type: 'object',
      $defs: {
        node: { type: 'object', properties: { child: { $ref: '#/$defs/node' }, v: { type: 'string' } } },
      },
      properties: { tree: { $ref: '#/$defs/node' } },
    };

    // Act
    const [tree] = columnsFromJsonSchema(schema, defaults);

    // Assess
    expect(glueTypeOf(tree as ColumnNode)).toBe('struct<child:string,v:string>');
    expect(tree?.children?.[0]).toMatchObject({ kind: 'json', reason: 'recursive $ref #/$defs/node' });
  });

  it('applies column mappings and dot conversion to names and keys', () => {
    // Act
    const columns = columnsOf(
      { 'user.id': { type: 'string' }, device: { type: 'object', properties: { ua: { type: 'string' } } } },
      {},
      { convertDotsInKeysToUnderscores: true, columnToJsonKeyMappings: { 'device.ua': 'User-Agent' } },
    );

    // Assess
    expect(columns[0]).toMatchObject({ name: 'user_id', jsonKey: 'user.id', path: 'user_id' });
    expect(columns[1]?.children?.[0]).toMatchObject({ name: 'ua', jsonKey: 'User-Agent', path: 'device.ua' });
  });

  it.each([
    [
      'an unsupported construct when refusing',
      { meta: { type: 'object' }, pair: { type: 'array', prefixItems: [] } },
      { unsupportedTypes: 'refuse' as const },
      ['meta: object without properties (unsupported)', 'pair: tuple array (unsupported)'],
    ],
    ['an unknown type', { a: { type: 'text' } }, {}, ["a: unknown type 'text'"]],
    [
      'a $ref outside $defs',
      { a: { $ref: 'other.json#/x' } },
      {},
      ['a: $ref other.json#/x is not a local #/$defs/<name> definition of this schema'],
    ],
    ['a false schema', { a: false }, {}, ['a: schema admits no value']],
    [
      'keys that clash once lower-cased',
      { Name: { type: 'string' }, name: { type: 'string' } },
      {},
      ["name: reads the same JSON key as 'Name' once keys are normalised"],
    ],
    [
      'a mapping to no column',
      { a: { type: 'string' } },
      { columnToJsonKeyMappings: { b: 'x' } },
      ["columnToJsonKeyMappings: no column 'b'"],
    ],
    [
      'a __proto__ property',
      { ['__proto__']: { type: 'string' } },
      {},
      [
        "__proto__: '__proto__' is not a usable column name",
        "__proto__: '__proto__' is not a usable JSON key",
      ],
    ],
  ])('refuses %s, naming the path', (_label, properties, options, problems) => {
    // Act
    const act = (): unknown =>
      columnsFromJsonSchema(
        { type: 'object', properties: JSON.parse(JSON.stringify(properties)) as object },
        { ...defaults, ...options },
      );

    // Assess
    expect(act).toThrow(SchemaMappingError);
    try {
      act();
    } catch (error) {
      expect((error as SchemaMappingError).problems).toEqual(problems);
    }
  });

  it('refuses a record schema that is not an object with properties', () => {
    // Act / Assess
    expect(() => columnsFromJsonSchema({ type: 'array', items: { type: 'string' } }, defaults)).toThrow(
      /\(root\): the record schema must be an object with properties/,
    );
  });
});
