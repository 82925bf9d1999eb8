import { formatCsv, formatJson, formatResult, formatTable, isFormat } from '../../../lib/lake/format';
import type { QueryResult } from '../../../lib/lake/query';

const result: QueryResult = {
  columns: [
    { name: 'event_type', type: 'VARCHAR' },
    { name: 'events', type: 'BIGINT' },
    { name: 'revenue', type: 'DECIMAL(18,2)' },
  ],
  rows: [
    ['click', '1200', null],
    ['purchase, "big"', '7', '10.50'],
  ],
  truncated: false,
};

it('a table: names, aligned columns with numbers to the right, NULL shown, the row count', () => {
  expect(formatTable(result).split('\n')).toEqual([
    'event_type       events  revenue',
    '---------------  ------  -------',
    'click              1200     NULL',
    'purchase, "big"       7    10.50',
    '(2 rows)',
  ]);
});

it('a table says when rows were cut and how to see more', () => {
  const text = formatTable({ ...result, rows: result.rows.slice(0, 1), truncated: true });

  expect(text).toMatch(
    /\(first 1 rows shown; there are more: --max-rows <n> shows more, or add LIMIT \/ WHERE\)$/,
  );
});

it('one row is "1 row"; a line break in a value stays on its line', () => {
  const text = formatTable({ columns: [{ name: 'm', type: 'VARCHAR' }], rows: [['a\nb']], truncated: false });

  expect(text.split('\n')).toEqual(['m', '----', 'a\\nb', '(1 row)']);
});

it('CSV quotes commas and quotes; NULL is empty', () => {
  expect(formatCsv(result)).toBe('event_type,events,revenue\nclick,1200,\n"purchase, ""big""",7,10.50');
});

it('JSON: one object per row', () => {
  expect(
    formatJson(result)
      .split('\n')
      .map((line) => JSON.parse(line) as unknown),
  ).toEqual([
    { event_type: 'click', events: '1200', revenue: null },
    { event_type: 'purchase, "big"', events: '7', revenue: '10.50' },
  ]);
});

it('formats are table, json and csv', () => {
  expect(['table', 'json', 'csv', 'xml'].map(isFormat)).toEqual([true, true, true, false]);
  expect(formatResult(result, 'csv')).toBe(formatCsv(result));
  expect(formatResult(result, 'json')).toBe(formatJson(result));
  expect(formatResult(result, 'table')).toBe(formatTable(result));
});
