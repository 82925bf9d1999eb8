/** A query result as a terminal table, JSON lines or CSV (`kpipe query --format`). */
import type { QueryResult } from './query';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(text: string): text is Format {
  return (FORMATS as readonly string[]).includes(text);
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Column names, aligned columns (numbers to the right), the row count and a note when rows were cut. */
export function formatTable(result: QueryResult): string {
  const headers = result.columns.map((column) => column.name);
  const numeric = result.columns.map((column) => NUMERIC.test(column.type));
  const cells = result.rows.map((row) => row.map((value) => cell(value).replace(/\n/g, '\\n')));
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...cells.map((row) => row[index]!.length)),
  );
  const line = (row: string[]) =>
    row
      .map((text, index) => (numeric[index] ? text.padStart(widths[index]!) : text.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  const count = result.rows.length;
  const footer = result.truncated
    ? `(first ${count} rows shown; there are more: --max-rows <n> shows more, or add LIMIT / WHERE)`
    : `(${count} ${count === 1 ? 'row' : 'rows'})`;
  return [
    line(headers),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.map(line),
    footer,
  ].join('\n');
}

/** One JSON object per row. */
export function formatJson(result: QueryResult): string {
  return result.rows
    .map((row) =>
      JSON.stringify(Object.fromEntries(result.columns.map((column, i) => [column.name, row[i]]))),
    )
    .join('\n');
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: a header line, fields quoted when they hold a comma, a quote or a line break. */
export function formatCsv(result: QueryResult): string {
  return [
    result.columns.map((column) => csvField(column.name)),
    ...result.rows.map((row) => row.map(csvField)),
  ]
    .map((fields) => fields.join(','))
    .join('\n');
}

export function formatResult(result: QueryResult, format: Format): string {
  if (format === 'json') return formatJson(result);
  if (format === 'csv') return formatCsv(result);
  return formatTable(result);
}
