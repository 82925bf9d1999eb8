/**
 * One field-path rule (lib/records/field-path.ts) for every place a field is named: the union of what the
 * partitioning (indexes), transforms (no prototype names) and the consumer (neither, before) accepted.
 */
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { createSinks, type DeliveryItem } from '../../../lib/consumer';
import { createPartitionKeyStrategy } from '../../../lib/generator';
import { parsePipeline, PipelineConfigError } from '../../../lib/pipeline/load';
import { compileKeyRules } from '../../../lib/partitioning';
import {
  FIELD_PATH_PATTERN,
  FieldPathError,
  parseFieldPath,
  readFieldPath,
} from '../../../lib/records/field-path';
import partitioningSchema from '../../../schemas/pipeline/partitioning.schema.json';
import { compileTransforms } from '../../../lib/transform';

describe('parseFieldPath', () => {
  it.each([
    ['customer.id', ['customer', 'id']],
    ['items[0].sku', ['items', 0, 'sku']],
    ['grid[1][2]', ['grid', 1, 2]],
    ['a-b.c d', ['a-b', 'c d']],
  ])('%s → %j', (path, segments) => {
    expect(parseFieldPath(path)).toEqual(segments);
  });

  it.each([
    ['', 'must be a non-empty path'],
    ['a..b', 'has an empty segment'],
    ['a.', 'has an empty segment'],
    ['a[x]', 'is malformed'],
    ['[0]', 'is malformed'],
    ['a]b', 'is malformed'],
    ['__proto__', 'uses "__proto__"'],
    ['a.__proto__.b', 'uses "__proto__"'],
    ['__proto__[0]', 'uses "__proto__"'],
    ['constructor.prototype', 'uses "constructor"'],
    ['x.prototype', 'uses "prototype"'],
  ])('refuses %j (%s)', (path, message) => {
    expect(() => parseFieldPath(path)).toThrow(FieldPathError);
    expect(() => parseFieldPath(path)).toThrow(message);
  });

  it('reads own properties and array items only', () => {
    const record = JSON.parse('{"items":[{"sku":"A"}],"__proto__":{"x":1}}') as object;
    expect(readFieldPath(record, ['items', 0, 'sku'])).toBe('A');
    expect(readFieldPath(record, ['items', 1, 'sku'])).toBeUndefined();
    expect(readFieldPath({}, ['toString'])).toBeUndefined();
    expect(readFieldPath({ a: 'text' }, ['a', 'length'])).toBeUndefined();
  });
});

describe('the JSON Schema copy of the grammar', () => {
  it("is the module's pattern, character for character", () => {
    expect(partitioningSchema.$defs.path.pattern).toBe(FIELD_PATH_PATTERN);
  });

  it.each([
    'customer.id',
    'items[0].sku',
    'grid[1][22]',
    'a-b.c d',
    'é.ü',
    '',
    'a..b',
    'a.',
    '.a',
    'a[x]',
    'a[]',
    '[0]',
    'a]b',
    'a[0]b',
    'a[-1]',
    'a.[0]',
  ])('agrees with parseFieldPath on %j', (path) => {
    // Act: Ajv compiles patterns with the u flag.
    const schemaAccepts = new RegExp(FIELD_PATH_PATTERN, 'u').test(path);
    let moduleAccepts = true;
    try {
      parseFieldPath(path);
    } catch {
      moduleAccepts = false;
    }

    // Assess
    expect(schemaAccepts).toBe(moduleAccepts);
  });
});

describe('every caller holds to the rule', () => {
  const kinesis = mockClient(KinesisClient);
  beforeEach(() => {
    kinesis.reset();
    kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }] });
  });

  const consumerSink = (partitionKeyField: string) =>
    createSinks([{ type: 'kinesis', stream: 'routed', partitionKeyField }], {
      clients: { kinesis: () => new KinesisClient({ region: 'eu-west-1' }) } as never,
      bucket: 'bucket',
      retry: { baseDelayMs: 0 },
    })[0]!;

  it('a consumer sink refuses __proto__ in partitionKeyField, at cold start and when the pipeline loads', () => {
    expect(() => consumerSink('__proto__.polluted')).toThrow(
      'kinesis sink routed: partitionKeyField "__proto__.polluted" uses "__proto__", which is not allowed in a path',
    );
    const yaml = `name: p
stream: { name: s }
record: { schema: ../../../schemas/clickstream.schema.json }
consumer:
  sinks:
    - { type: kinesis, stream: routed, partitionKeyField: "customer.__proto__" }
`;
    let problems: string[] = [];
    try {
      parsePipeline(yaml, `${__dirname}/pipeline.yml`);
    } catch (error) {
      if (error instanceof PipelineConfigError) problems = error.problems;
    }
    expect(problems).toContain(
      'consumer.sinks[0].partitionKeyField: "customer.__proto__" uses "__proto__", which is not allowed in a path',
    );
  });

  it('a consumer sink routes by an [index] path, as partition keys do', async () => {
    // Prepare
    const open = consumerSink('items[0].sku').open({
      shardId: 'shardId-000000000000',
      firstSequenceNumber: '1',
      lastSequenceNumber: '1',
    });
    const item: DeliveryItem = {
      position: 0,
      line: '{}',
      bytes: undefined,
      record: { items: [{ sku: 'SKU-1' }] },
      keys: undefined,
      partitionKey: 'source-key',
      sequenceNumber: '1',
      subSequenceNumber: undefined,
    };

    // Act
    open.add(item);
    await open.deliver();

    // Assess
    const input = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input;
    expect(input.Records?.[0]?.PartitionKey).toBe('SKU-1');
  });

  it('partition keys refuse __proto__ too (they only followed own properties before)', () => {
    expect(() => compileKeyRules({ keys: [{ name: 'k', path: 'a.__proto__' }] } as never)).toThrow(
      /"a.__proto__" uses "__proto__"/,
    );
  });

  it('transforms refuse an [index] (they edit objects) and prototype names', () => {
    expect(() => compileTransforms([{ drop: { fields: ['items[0]'] } }])).toThrow(
      'transforms[0].drop.fields[0]: "items[0]" has an [index]',
    );
    expect(() => compileTransforms([{ drop: { fields: ['a.constructor'] } }])).toThrow('uses "constructor"');
  });

  it("the generator's partition key field refuses __proto__ and reads [index] paths", () => {
    expect(() => createPartitionKeyStrategy({ field: '__proto__' } as never)).toThrow(
      'bad partition key field: "__proto__" uses "__proto__"',
    );
    const keyOf = createPartitionKeyStrategy({ field: 'items[1]' } as never);
    expect(keyOf('{"items":["a","b"]}')).toBe('b');
  });
});
