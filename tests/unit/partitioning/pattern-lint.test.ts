import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { lintTimestampPattern } from '../../../lib/partitioning/pattern-lint';
import { compileTimestampPattern } from '../../../lib/partitioning/timestamp-format';

describe('lintTimestampPattern: valid Java patterns that surely meant something else beside a date', () => {
  it('yyyy-mm-dd files July under month 00 (why it warns)', () => {
    expect(compileTimestampPattern('yyyy-mm-dd')(new Date('2025-07-01T00:00:00Z'))).toBe('2025-00-01');
  });

  it.each([
    [
      'yyyy-mm-dd',
      "'yyyy-mm-dd': 'mm' is minutes, beside a date with no month and no hour: the month was surely meant; write 'yyyy-MM-dd'",
    ],
    ['dd/mm/yyyy', "write 'dd/MM/yyyy'"],
    ["'year='yyyy/'month='mm", "write ''year='yyyy/'month='MM'"],
    [
      'yyyy-MM-dd-hh',
      "'hh' is the 12-hour clock with no AM/PM (a), so 01:00 and 13:00 share a folder; write 'yyyy-MM-dd-HH'",
    ],
    ['yyyy/MM/dd/h', "write 'yyyy/MM/dd/H'"],
    [
      'YYYY-MM-dd',
      "'YYYY' is the week-based year, which differs from the calendar year around New Year (2024-12-29 is in 2025); write 'yyyy-MM-dd'",
    ],
    [
      'yyyy-MM-DD',
      "'DD' is the day of the year, beside a month: the day of the month was surely meant; write 'yyyy-MM-dd'",
    ],
  ])('%s warns: %s', (pattern, warning) => {
    // Act
    const warnings = lintTimestampPattern(pattern);
    // Assess
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(warning);
  });

  it('names every suspicious run of one pattern', () => {
    expect(lintTimestampPattern('YYYY-mm-DD')).toEqual([
      expect.stringContaining("write 'yyyy-mm-DD'"),
      expect.stringContaining("write 'YYYY-MM-DD'"),
    ]);
  });

  it.each([
    'yyyy-MM-dd HH:mm', // minutes beside an hour
    'yyyy/MM/dd/mm', // minutes beside a month
    'HH:mm', // no date
    'mm', // no date
    'yyyy-MM-dd hh:mm a', // 12-hour clock with AM/PM
    'hh', // no date
    'YYYY/ww', // week-based year with its week
    "YYYY-'W'ww-e",
    'YYYY', // no month or day
    'yyyy-DDD', // day of year without a month
    "yyyy-'mm'-dd", // quoted text is not a letter
    'yyyy-bb', // invalid: the compile error reports it
  ])('leaves %s alone', (pattern) => {
    expect(lintTimestampPattern(pattern)).toEqual([]);
  });

  it("leaves every pattern of the Firehose guide's examples alone", () => {
    const docs = path.join(__dirname, '../../../../shared/reference/real-world/docs');
    const patterns = readdirSync(docs).flatMap((name) =>
      [...readFileSync(path.join(docs, name), 'utf8').matchAll(/!\\?\{timestamp:([^}\\]+)\\?\}/g)].map(
        (match) => match[1] as string,
      ),
    );
    expect(patterns.length).toBeGreaterThan(5);
    expect(patterns.flatMap(lintTimestampPattern)).toEqual([]);
  });
});
