import { encodeLines } from '../../../lib/sinks/lines';

describe('encodeLines', () => {
  it('writes each line and a newline, as join + Buffer.from would', () => {
    const lines = ['{"a":1}', '{"name":"Zoë 日本 🎉"}', '', '{"lone":"\ud800"}'];
    const body = encodeLines(lines);
    expect(body.equals(Buffer.from(lines.join('\n') + '\n'))).toBe(true);
    expect(body.toString('utf8').split('\n')).toEqual([...lines.slice(0, 3), '{"lone":"\ufffd"}', '']);
  });

  it('is empty for no lines', () => {
    expect(encodeLines([]).length).toBe(0);
  });

  it('handles megabytes of text', () => {
    const lines = Array.from({ length: 20_000 }, (_, index) =>
      JSON.stringify({ index, text: 'é'.repeat(50) }),
    );
    const body = encodeLines(lines);
    expect(body.toString('utf8')).toBe(lines.join('\n') + '\n');
  });
});
