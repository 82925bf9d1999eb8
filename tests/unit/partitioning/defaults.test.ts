/**
 * The partitioning block's defaults and limits are written once, in schemas/pipeline/partitioning.schema.json:
 * a block passed in directly (no loader) must behave as the block the loader's Ajv filled in.
 */
import schema from '../../../schemas/pipeline/partitioning.schema.json';
import { normalizePartitioning } from '../../../lib/partitioning/config';
import { compileValidator } from '../../../lib/schema/validate';

describe('partitioning defaults come from the schema', () => {
  it('a raw block normalises as the Ajv-filled one', () => {
    // Prepare
    const raw = { keys: [{ name: 'k', path: 'a.b' }] };
    const filled = structuredClone(raw) as Record<string, unknown>;
    expect(compileValidator(schema, { useDefaults: true })(filled).ok).toBe(true);

    // Act
    const direct = normalizePartitioning(raw);
    const loaded = normalizePartitioning(filled);

    // Assess
    expect(Object.keys(filled).sort()).toEqual(
      ['defaultValue', 'engine', 'keys', 'maxValueLength', 'onMissingKey', 'timeZone'].sort(),
    );
    expect(JSON.stringify(direct)).toBe(JSON.stringify(loaded));
  });

  it.each([
    ['maxValueLength', 15],
    ['maxValueLength', 513],
    ['keys', Array.from({ length: 51 }, (_, i) => ({ name: `k${i}`, path: 'a' }))],
  ])('the schema limits %s (%j refused)', (field, value) => {
    expect(() => normalizePartitioning({ keys: [{ name: 'k', path: 'a' }], [field]: value })).toThrow(
      `partitioning.${field}`,
    );
  });
});
