/**
 * Names in the analytics query, and whether each was double-quoted. node-sql-parser keeps that only for the
 * last name of a column reference (qualifiers come back as plain strings), so quoted identifiers are swapped
 * for unquoted placeholders before parsing and mapped back after: every name in the AST then says how it was
 * written. The same pass blanks comments and string literals, for the KDA-syntax checks below.
 */
/** A name as written in the query; `quoted` names match exactly, the others case-insensitively. */
export interface Identifier {
  name: string;
  quoted: boolean;
}

export interface MaskedSql {
  /** The query with each `"name"` replaced by a placeholder identifier. */
  text: string;
  /** The query with comments, string literals and quoted identifiers blanked: keywords only. */
  code: string;
  /** A name from the AST: a placeholder gives back its quoted name. */
  identifier(raw: string): Identifier;
  /** Puts quoted names back into a text (a message, a serialised AST). */
  restore(text: string): string;
}

/** Scans past a quoted run starting at `start` (the opening quote); doubled quotes are escapes. */
function quotedEnd(sql: string, start: number, quote: string): number {
  let index = start + 1;
  while (index < sql.length) {
    if (sql[index] === quote) {
      if (sql[index + 1] !== quote) return index + 1;
      index += 2;
    } else index += 1;
  }
  return -1;
}

/** Where a comment ends: after its terminator, or at the end of the query. */
function endOf(sql: string, terminator: string, from: number, length: number): number {
  const at = sql.indexOf(terminator, from);
  return at === -1 ? sql.length : at + length;
}

export function maskQuotedIdentifiers(sql: string): MaskedSql {
  let prefix = 'kpipe_q';
  while (sql.toLowerCase().includes(prefix)) prefix += '_';
  const placeholder = new RegExp(`${prefix}(\\d+)_`, 'g');
  const names: string[] = [];
  let text = '';
  let code = '';
  let index = 0;
  while (index < sql.length) {
    const char = sql[index]!;
    const next = sql[index + 1];
    let end = -1;
    if (char === '"' || char === "'") end = quotedEnd(sql, index, char);
    else if (char === '-' && next === '-') end = endOf(sql, '\n', index, 0);
    else if (char === '/' && next === '*') end = endOf(sql, '*/', index + 2, 2);
    else {
      text += char;
      code += char;
      index += 1;
      continue;
    }
    if (end === -1) {
      // An unterminated quote: left to the parser, which reports where.
      text += sql.slice(index);
      code += ' ';
      break;
    }
    const run = sql.slice(index, end);
    if (char === '"') {
      text += ` ${prefix}${names.length}_ `;
      names.push(run.slice(1, -1).replaceAll('""', '"'));
    } else text += run;
    code += ' ';
    index = end;
  }
  const byPlaceholder = (raw: string): string | undefined => {
    const match = new RegExp(`^${prefix}(\\d+)_$`).exec(raw);
    return match === null ? undefined : names[Number(match[1])];
  };
  return {
    text,
    code,
    identifier(raw) {
      const name = byPlaceholder(raw);
      return name === undefined ? { name: raw, quoted: false } : { name, quoted: true };
    },
    restore: (value) => value.replace(placeholder, (_all, n: string) => JSON.stringify(names[Number(n)])),
  };
}

/** Two names are the same when either is quoted and they are equal, or both are unquoted and equal ignoring case. */
export function sameName(a: Identifier, b: Identifier): boolean {
  return a.quoted || b.quoted ? a.name === b.name : a.name.toLowerCase() === b.name.toLowerCase();
}

const WINDOWS_HINT =
  'windows here are Lambda tumbling windows (analytics.tumblingWindowInSeconds) and every emitted row carries' +
  ' window_start and window_end';

/** Kinesis Data Analytics for SQL spellings a guide user will bring, each with what to write here. */
const KDA_SYNTAX: { pattern: RegExp; clause: string; message: string }[] = [
  {
    // `SELECT STREAM x`, not `SELECT stream.x` or a column named stream (`SELECT stream, ...`, `SELECT stream AS s`).
    pattern: /\bSELECT\s+STREAM\s+(?!FROM\b|AS\b|,|\.)\S/i,
    clause: 'SELECT',
    message:
      'SELECT STREAM is Kinesis Data Analytics syntax; here every query is continuous, so leave out STREAM and write' +
      ` SELECT <columns>, <aggregates> FROM stream [WHERE ...] GROUP BY <columns>: ${WINDOWS_HINT}` +
      ' (to read a field named stream, write "stream")',
  },
  {
    pattern: /\b(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:STREAM|PUMP)|INSERT\s+INTO)\b/i,
    clause: 'statement',
    message:
      'in-application streams and pumps (CREATE STREAM, CREATE PUMP, INSERT INTO) are Kinesis Data Analytics syntax;' +
      ' write only the SELECT, and configure where its rows go with analytics.sink',
  },
  {
    pattern: /\b(?:STEP|FLOOR)\s*\([^)]*\bROWTIME\b/i,
    clause: 'GROUP BY',
    message: `STEP(... ROWTIME ...) and FLOOR(ROWTIME ...) are Kinesis Data Analytics syntax; leave them out: ${WINDOWS_HINT}`,
  },
];

/** Kinesis Data Analytics syntax in the query, with what to write instead; checked before parsing, whose error would mislead. */
export function kdaSyntax(masked: MaskedSql): { clause: string; message: string } | undefined {
  return KDA_SYNTAX.find(({ pattern }) => pattern.test(masked.code));
}

/** The hint for a column the records do not have, when the name is Kinesis Data Analytics'. */
export function kdaColumnHint(name: string): string | undefined {
  return name.toUpperCase() === 'ROWTIME'
    ? `ROWTIME is Kinesis Data Analytics' row time; ${WINDOWS_HINT}`
    : undefined;
}
