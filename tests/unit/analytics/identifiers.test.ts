import { compileQuery, maskQuotedIdentifiers } from '../../../lib/analytics';

describe('maskQuotedIdentifiers', () => {
  it('swaps quoted names for placeholders that give back the name and its quoting', () => {
    // Act
    const masked = maskQuotedIdentifiers(`SELECT "a""b".c, 'it''s "not" a name' FROM "Stream" -- "x"`);

    // Assess
    const placeholders = masked.text.match(/kpipe_q\d+_/g) ?? [];
    expect(placeholders).toHaveLength(2);
    expect(placeholders.map((raw) => masked.identifier(raw))).toEqual([
      { name: 'a"b', quoted: true },
      { name: 'Stream', quoted: true },
    ]);
    expect(masked.identifier('c')).toEqual({ name: 'c', quoted: false });
    expect(masked.text).toContain(`'it''s "not" a name'`);
    expect(masked.code).not.toMatch(/not|"x"|Stream/);
    expect(masked.restore(`near ${placeholders[1]}`)).toBe('near "Stream"');
  });

  it('never takes a name the query already uses for a placeholder', () => {
    const masked = maskQuotedIdentifiers('SELECT kpipe_q0_, "b" FROM stream');
    expect(masked.identifier('kpipe_q0_')).toEqual({ name: 'kpipe_q0_', quoted: false });
    const placeholder = masked.text.match(/kpipe_q_+0_/)?.[0];
    expect(placeholder).toBeDefined();
    expect(masked.identifier(placeholder!)).toEqual({ name: 'b', quoted: true });
  });

  it('leaves an unterminated quote to the parser, which reports the position in the query as written', () => {
    expect(() => compileQuery('SELECT "a", COUNT(*) FROM stream WHERE ==== 1')).toThrow(
      /syntax: the query does not parse at line 1, column 40/,
    );
    expect(() => compileQuery('SELECT COUNT(*) FROM stream WHERE "open = 1')).toThrow(
      /syntax: the query does not parse/,
    );
  });

  it('keeps quoted names in the fingerprint as written, not as placeholders', () => {
    const fingerprint = (sql: string) => compileQuery(sql).fingerprint;
    const base = 'SELECT COUNT(*) FROM stream WHERE "amount" > 1';
    expect(fingerprint(base)).toBe(fingerprint(`SELECT COUNT(*) AS "n" FROM stream WHERE "amount" > 1`));
    expect(fingerprint(base)).not.toBe(fingerprint('SELECT COUNT(*) FROM stream WHERE "qty" > 1'));
  });
});
