import schema from '../../../schemas/pipeline/partitioning.schema.json';
import { compileValidator, formatIssues } from '../../../lib/schema/validate';

describe('schemas/pipeline/partitioning.schema.json', () => {
  const validate = compileValidator(schema);

  it('is draft 2020-12 with the $id the pipeline schema references', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe('partitioning.schema.json');
  });

  it.each<[string, unknown]>([
    [
      'the pipeline.yml block',
      {
        engine: 'lambda',
        onMissingKey: 'default',
        keys: [
          { name: 'event_type', path: 'event_type', default: 'unknown' },
          { name: 'dt', timestamp: { field: 'timestamp', pattern: 'yyyy-MM-dd' } },
        ],
      },
    ],
    ['keys only', { keys: [{ name: 'k', path: 'a.b[0].c' }] }],
    [
      'every option',
      {
        engine: 'jq',
        onMissingKey: 'fail',
        defaultValue: 'none',
        maxValueLength: 64,
        timeZone: 'Asia/Tokyo',
        keys: [
          { name: 'hour', timestamp: { source: 'arrival', pattern: 'HH' } },
          {
            name: 'dt',
            default: 'undated',
            timestamp: { source: 'record', field: 'at', input: 'epochMillis', pattern: 'yyyy' },
          },
          { name: 'agent', path: 'user-agent.family' },
        ],
      },
    ],
  ])('accepts %s', (_case, config) => {
    expect(validate(config)).toEqual({ ok: true });
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'lambda', '(root): must be object'],
    ['no keys', { engine: 'lambda' }, "keys: must have required property 'keys'"],
    ['empty keys', { keys: [] }, 'keys: must NOT have fewer than 1 items'],
    [
      '51 keys',
      { keys: Array.from({ length: 51 }, (_, i) => ({ name: `k${i}`, path: 'a' })) },
      'keys: must NOT have more than 50 items',
    ],
    [
      'unknown engine',
      { engine: 'sql', keys: [{ name: 'k', path: 'a' }] },
      'engine: must be one of "lambda", "jq"',
    ],
    [
      'unknown policy',
      { onMissingKey: 'skip', keys: [{ name: 'k', path: 'a' }] },
      'onMissingKey: must be one of',
    ],
    [
      'unknown top-level field',
      { keys: [{ name: 'k', path: 'a' }], partitions: 3 },
      'partitions: is not an allowed property',
    ],
    [
      'fractional maxValueLength',
      { maxValueLength: 20.5, keys: [{ name: 'k', path: 'a' }] },
      'maxValueLength: must be integer',
    ],
    [
      'maxValueLength above 512',
      { maxValueLength: 600, keys: [{ name: 'k', path: 'a' }] },
      'maxValueLength: must be <= 512',
    ],
    ['key without name', { keys: [{ path: 'a' }] }, "keys[0].name: must have required property 'name'"],
    [
      'key with neither path nor timestamp',
      { keys: [{ name: 'k' }] },
      "keys[0].path: must have required property 'path'",
    ],
    [
      'key with both',
      { keys: [{ name: 'k', path: 'a', timestamp: { pattern: 'yyyy' } }] },
      'keys[0].path: is not an allowed property',
    ],
    ['name with a dash', { keys: [{ name: 'event-type', path: 'a' }] }, 'keys[0].name: must match pattern'],
    ['name starting with a digit', { keys: [{ name: '1k', path: 'a' }] }, 'keys[0].name: must match pattern'],
    [
      'path with an empty segment',
      { keys: [{ name: 'k', path: 'a..b' }] },
      'keys[0].path: must match pattern',
    ],
    ['path with a bad index', { keys: [{ name: 'k', path: 'a[x]' }] }, 'keys[0].path: must match pattern'],
    [
      'empty default',
      { keys: [{ name: 'k', path: 'a', default: '' }] },
      'keys[0].default: must NOT have fewer than 1 characters',
    ],
    ['numeric default', { keys: [{ name: 'k', path: 'a', default: 3 }] }, 'keys[0].default: must be string'],
    [
      'timestamp without pattern',
      { keys: [{ name: 'k', timestamp: { field: 'a' } }] },
      "keys[0].timestamp.pattern: must have required property 'pattern'",
    ],
    [
      'unknown input',
      { keys: [{ name: 'k', timestamp: { field: 'a', pattern: 'yyyy', input: 'unix' } }] },
      'keys[0].timestamp.input: must be one of',
    ],
    [
      'unknown source',
      { keys: [{ name: 'k', timestamp: { source: 'now', pattern: 'yyyy' } }] },
      'keys[0].timestamp.source: must be one of',
    ],
    [
      'unknown timestamp field',
      { keys: [{ name: 'k', timestamp: { field: 'a', pattern: 'yyyy', zone: 'UTC' } }] },
      'keys[0].timestamp.zone: is not an allowed property',
    ],
  ])('rejects %s', (_case, config, expected) => {
    // Act
    const result = validate(config);
    // Assess
    expect(result.ok).toBe(false);
    if (!result.ok) expect(formatIssues(result.issues)).toContain(expected);
  });
});
