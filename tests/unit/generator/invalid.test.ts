import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_OVERSIZE_BYTES,
  compileTemplate,
  createInvalidRecordInjector,
  createMemorySink,
  generate,
  loadTemplateSpec,
} from '../../../lib/generator';
import { compileValidator } from '../../../lib/schema/validate';

const pipelineMaxBytes = Number(
  /maxBytes:\s*(\d+)/.exec(readFileSync(join(__dirname, '../../../pipeline.yml'), 'utf8'))?.[1],
);
const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;

function clickstream(): { render: () => string; schema: object } {
  const spec = loadTemplateSpec('clickstream');
  const template = compileTemplate(spec.text, { seed: 4, newlines: spec.newlines });
  return { render: template.render, schema: spec.schema as object };
}

describe('createInvalidRecordInjector', () => {
  const { render, schema } = clickstream();
  const validate = compileValidator(schema);

  // Oversize records are a megabyte each: a few are enough.
  it.each<['not-json' | 'schema-violation' | 'oversize', number, (text: string) => void]>([
    ['not-json', 60, (text) => expect(() => JSON.parse(text)).toThrow()],
    [
      'schema-violation',
      60,
      (text) => {
        expect(validate(JSON.parse(text)).ok).toBe(false);
      },
    ],
    [
      'oversize',
      4,
      (text) => {
        const bytes = Buffer.byteLength(text);
        expect(validate(JSON.parse(text))).toEqual({ ok: true });
        expect(bytes).toBeGreaterThan(pipelineMaxBytes);
        expect(bytes).toBeLessThan(KINESIS_MAX_RECORD_BYTES - 256);
      },
    ],
  ])('makes %s records that really are', (kind, count, check) => {
    // Prepare
    const spoil = createInvalidRecordInjector({ ratio: 1, kinds: { [kind]: 1 }, schema, seed: 1 });

    // Act
    const records = Array.from({ length: count }, () => spoil(render()));

    // Assess
    for (const record of records) {
      expect(record.kind).toBe(kind);
      check(record.text);
    }
  });

  it('sizes oversize records above the sample pipeline limit by default', () => {
    // Assess
    expect(DEFAULT_OVERSIZE_BYTES).toBeGreaterThan(pipelineMaxBytes);
  });

  it('spoils about the requested share, split between the kinds that apply', () => {
    // Prepare
    const spoil = createInvalidRecordInjector({ ratio: 0.25, schema, seed: 3, oversizeBytes: 2048 });

    // Act
    const kinds = Array.from({ length: 2000 }, () => spoil(render()).kind);

    // Assess
    const count = (kind: string): number => kinds.filter((entry) => entry === kind).length;
    expect(count('valid') / kinds.length).toBeCloseTo(0.75, 1);
    for (const kind of ['not-json', 'schema-violation', 'oversize'])
      expect(count(kind) / kinds.length).toBeCloseTo(0.083, 1);
  });

  it('leaves schema violations out when there is no schema', () => {
    // Prepare
    const spoil = createInvalidRecordInjector({ ratio: 1, seed: 3, oversizeBytes: 2048 });

    // Act
    const kinds = new Set(Array.from({ length: 200 }, () => spoil(render()).kind));

    // Assess
    expect([...kinds].sort()).toEqual(['not-json', 'oversize']);
  });

  it.each<[string, Parameters<typeof createInvalidRecordInjector>[0], RegExp]>([
    ['a ratio above 1', { ratio: 1.5 }, /between 0 and 1/],
    [
      'schema violations without a schema',
      { ratio: 0.1, kinds: { 'schema-violation': 1 } },
      /need the JSON Schema/,
    ],
    [
      'a schema with nothing to violate',
      { ratio: 0.1, kinds: { 'schema-violation': 1 }, schema: { type: 'object' } },
      /nothing|no required/,
    ],
    ['all weights zero', { ratio: 0.1, kinds: { oversize: 0 } }, /no invalid record kind/],
    ['a tiny oversize', { ratio: 0.1, oversizeBytes: 10 }, /at least 1024/],
  ])('rejects %s', (_name, options, message) => {
    // Act / Assess
    expect(() => createInvalidRecordInjector(options)).toThrow(message);
  });
});

describe('bad records in a run', () => {
  it('are labelled, and the report reconciles by kind', async () => {
    // Prepare
    const spec = loadTemplateSpec('clickstream');
    const template = compileTemplate(spec.text, { seed: 6, newlines: spec.newlines });
    const sink = createMemorySink();

    // Act
    const report = await generate({
      template,
      sink,
      count: 2000,
      seed: 6,
      invalid: { ratio: 0.3, schema: spec.schema, oversizeBytes: 4096 },
    });

    // Assess
    for (const kind of ['valid', 'not-json', 'schema-violation', 'oversize'] as const) {
      const labelled = sink.records.filter((record) => record.kind === kind).length;
      expect(report.byKind[kind]).toEqual({ attempted: labelled, acknowledged: labelled, failed: 0 });
    }
    expect(report.byKind.valid.attempted).toBeGreaterThan(1200);
  });
});
