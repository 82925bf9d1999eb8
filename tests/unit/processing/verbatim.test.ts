import { createRecordProcessor } from '../../../lib/processing/record-processor';
import { compileTransforms } from '../../../lib/transform';

describe('record processor: unchanged records keep their text', () => {
  const processor = (steps: Parameters<typeof compileTransforms>[0]) =>
    createRecordProcessor({
      validate: () => ({ ok: true }),
      transform: compileTransforms(steps, { inPlace: true }),
      maxBytes: 1_000_000,
    });
  const context = { ingestionTime: new Date(Date.UTC(2026, 10, 22, 12, 0, 0)) };
  const run = (steps: Parameters<typeof compileTransforms>[0], text: string) => {
    const p = processor(steps);
    const decoded = p.decode(Buffer.from(text));
    if (!decoded.ok) throw new Error(decoded.message);
    return p.process(decoded.value.objects[0]!, context, decoded.value.line);
  };

  it('passes the producer text on when no step changes the record', () => {
    const text = '{"id":12345678901234567890,"timestamp":"2026-11-22T12:00:00.000Z"}\n';
    const outcome = run(
      [{ timestamp: { fields: ['timestamp'], to: 'iso' } }, { filter: { drop: { field: 'id', equals: 1 } } }],
      text,
    );
    expect(outcome).toMatchObject({ kind: 'ok', verbatim: true, line: text.trim() });
  });

  it('serialises a record a step changed', () => {
    const outcome = run([{ add: { field: 'x', value: 1 } }], '{"id":1}');
    expect(outcome).toMatchObject({ kind: 'ok', verbatim: false, line: '{"id":1,"x":1}' });
  });

  it('serialises a record with a duplicate key, so the value validated is the one written', () => {
    const outcome = run([], '{"id":1,"id":2}');
    expect(outcome).toMatchObject({ kind: 'ok', verbatim: false, line: '{"id":2}' });
  });

  it('serialises pretty-printed JSON onto one line', () => {
    const outcome = run([], '{\n  "id": 1\n}');
    expect(outcome).toMatchObject({ kind: 'ok', verbatim: false, line: '{"id":1}' });
  });

  it('serialises each object of a JSON-lines record', () => {
    const p = processor([]);
    const decoded = p.decode(Buffer.from('{"id": 1}\n{"id": 2}\n'));
    expect(decoded.ok && decoded.value.text).toBeUndefined();
  });

  it('keeps the text of a one-object record, byte order mark removed', () => {
    const decoded = processor([]).decode(Buffer.from('\ufeff{"id":1}'));
    expect(decoded.ok && decoded.value.text).toBe('{"id":1}');
  });
});
