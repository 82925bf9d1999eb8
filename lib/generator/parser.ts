import { TemplateError, positionOf } from './errors';

/**
 * Parses template text once into literal text and helper calls. Syntax (a superset of the original
 * Kinesis Data Generator's):
 *   {{module.method}}  {{module.method(arg)}}  {{module.method(arg1, arg2)}}
 *     arg: JSON when it parses, else the plain text between the parentheses (the original's rule); several
 *     comma-separated JSON values are passed as separate arguments (an extension).
 *   {{! comment }}  {{!-- comment --}}           render nothing
 *   {{#variant weight=3 name=purchase}} ... {{/variant}}
 *     a template of several variants renders one of them per record, chosen by weight, so fields that only
 *     make sense together (a purchase's amount and items) stay together.
 *   {{module.method(arg) as name}} ... {{$name}}
 *     renders a value and keeps it for this record, so two fields can agree (a page's url and path).
 *   \{{                                          a literal "{{"
 */

export interface TextPart {
  type: 'text';
  value: string;
}

export interface CallPart {
  type: 'call';
  /** `module.method` as written. */
  name: string;
  args: unknown[];
  /** The whole token, `{{...}}`, for error messages. */
  raw: string;
  line: number;
  column: number;
  /** `as <name>`: keep the value for later `{{$name}}` references in the same record. */
  assign?: string;
}

/** `{{$name}}`: the value an earlier `{{... as name}}` produced for this record. */
export interface ReferencePart {
  type: 'reference';
  name: string;
  raw: string;
  line: number;
  column: number;
}

export type Part = TextPart | CallPart | ReferencePart;

export interface ParsedVariant {
  weight: number;
  name?: string;
  parts: Part[];
  line: number;
  column: number;
}

export interface ParsedTemplate {
  variants: ParsedVariant[];
}

/** What to do with line breaks in the template's literal text (not inside generated values). */
export type NewlineMode = 'strip' | 'collapse' | 'keep';

export interface ParseOptions {
  /**
   * `strip` (default, as the original did): remove line breaks so a pretty-printed JSON template yields one
   * record per line; `collapse`: also drop the indentation after each break; `keep`: leave text as written.
   */
  newlines?: NewlineMode;
  /** Shown in error messages, e.g. the file name. */
  source?: string;
}

const NAME = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*/;
const ATTRIBUTE = /^([A-Za-z]+)=("[^"]*"|[^\s}]+)/;

class Scanner {
  constructor(
    readonly text: string,
    readonly source: string | undefined,
  ) {}

  fail(problem: string, offset: number, tokenEnd?: number): never {
    const { line, column } = positionOf(this.text, offset);
    const end = tokenEnd ?? this.tokenEndFrom(offset);
    throw new TemplateError(problem, line, column, this.text.slice(offset, end), this.source);
  }

  /** Best guess at where a broken token ends, to quote it in the error. */
  tokenEndFrom(offset: number): number {
    const close = this.text.indexOf('}}', offset + 2);
    const nextOpen = this.text.indexOf('{{', offset + 2);
    if (close === -1) return Math.min(this.text.length, offset + 60);
    if (nextOpen !== -1 && nextOpen < close) return nextOpen;
    return close + 2;
  }
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] as string)) i += 1;
  return i;
}

/** Finds the `)` matching the `(` at `open`, skipping JSON strings and nested brackets. */
function findArgumentsEnd(scanner: Scanner, open: number): number {
  const text = scanner.text;
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    const char = text[i];
    if (char === '"') {
      i += 1;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') i += 1;
        i += 1;
      }
      if (i >= text.length) scanner.fail('unterminated string in the arguments', open - 1);
    } else if (char === '(') depth += 1;
    else if (char === ')') {
      depth -= 1;
      if (depth === 0) return i;
    } else if (char === '}' && text[i + 1] === '}' && depth > 0) {
      // `}}` before the closing parenthesis: almost always a missing `)`, unless it closes a JSON object.
      const rest = text.slice(i + 2);
      if (!/^[\s\]}),]*\)/.test(rest) && !/^\s*[,\]}]/.test(rest)) {
        scanner.fail('missing ")" to close the arguments', tokenStart(text, open), i + 2);
      }
    }
  }
  return scanner.fail('missing ")" to close the arguments', tokenStart(text, open));
}

function tokenStart(text: string, from: number): number {
  const start = text.lastIndexOf('{{', from);
  return start === -1 ? from : start;
}

/** JSON when it parses (the original's rule), then several JSON values, else the text itself. */
export function parseArguments(argumentText: string): unknown[] {
  if (argumentText.trim() === '') return [];
  try {
    return [JSON.parse(argumentText)];
  } catch {
    // not a single JSON value
  }
  if (argumentText.includes(',')) {
    try {
      const list: unknown = JSON.parse(`[${argumentText}]`);
      if (Array.isArray(list)) return list;
    } catch {
      // not a JSON list either
    }
  }
  // The original removed line breaks from the whole template before parsing.
  return [argumentText.replace(/\r?\n/g, '')];
}

function applyNewlines(value: string, mode: NewlineMode): string {
  if (mode === 'keep') return value;
  if (mode === 'collapse') return value.replace(/\r?\n[ \t]*/g, '');
  return value.replace(/\r?\n/g, '');
}

export function parseTemplate(text: string, options: ParseOptions = {}): ParsedTemplate {
  const scanner: Scanner = new Scanner(text, options.source);
  const newlines = options.newlines ?? 'strip';
  const topLevel: Part[] = [];
  const variants: ParsedVariant[] = [];
  let current: ParsedVariant | undefined;
  let openVariantOffset = -1;
  let literal = '';
  /** Offset of the first non-blank literal character outside any variant, if variants are used. */
  let strayTextOffset = -1;

  const flush = (): void => {
    if (literal === '') return;
    const target = current?.parts ?? topLevel;
    target.push({ type: 'text', value: literal });
    literal = '';
  };

  let i = 0;
  while (i < text.length) {
    if (text.startsWith('\\{{', i)) {
      literal += '{{';
      i += 3;
      continue;
    }
    if (!text.startsWith('{{', i)) {
      const char = text[i] as string;
      if (current === undefined && strayTextOffset === -1 && !/\s/.test(char)) strayTextOffset = i;
      literal += char;
      i += 1;
      continue;
    }
    const start = i;
    const bodyStart = i + 2;
    // Comments.
    if (text[bodyStart] === '!') {
      const long = text.startsWith('!--', bodyStart);
      const closer = long ? '--}}' : '}}';
      const close = text.indexOf(closer, bodyStart);
      if (close === -1) scanner.fail(`unterminated comment (missing "${closer}")`, start, start + 20);
      i = close + closer.length;
      continue;
    }
    const close = text.indexOf('}}', bodyStart);
    // Variant blocks.
    if (text[bodyStart] === '#' || text[bodyStart] === '/') {
      if (close === -1) scanner.fail('missing "}}"', start);
      const body = text.slice(bodyStart + 1, close).trim();
      const [keyword = '', ...rest] = body.split(/\s+/);
      if (keyword !== 'variant') {
        scanner.fail(`unknown block "${text[bodyStart]}${keyword}" (only {{#variant}} blocks exist)`, start);
      }
      flush();
      if (text[bodyStart] === '/') {
        if (current === undefined)
          scanner.fail('"{{/variant}}" without an open "{{#variant}}"', start, close + 2);
        variants.push(current);
        current = undefined;
      } else {
        if (current !== undefined)
          scanner.fail('variants cannot be nested; close the previous one first', start);
        current = { weight: 1, parts: [], ...positionOf(text, start) };
        openVariantOffset = start;
        for (const attribute of rest.filter((word) => word !== '')) {
          const match = ATTRIBUTE.exec(attribute);
          const key = match?.[1];
          const value = match?.[2]?.replace(/^"|"$/g, '');
          if (
            key === 'weight' &&
            value !== undefined &&
            Number.isFinite(Number(value)) &&
            Number(value) > 0
          ) {
            current.weight = Number(value);
          } else if (key === 'name' && value !== undefined && value !== '') {
            current.name = value;
          } else {
            scanner.fail(
              `bad variant attribute "${attribute}" (use weight=<positive number> or name=<text>)`,
              start,
            );
          }
        }
      }
      i = close + 2;
      continue;
    }
    // Helper calls.
    let cursor = skipSpaces(text, bodyStart);
    const name = NAME.exec(text.slice(cursor))?.[0];
    if (name === undefined) {
      scanner.fail(
        close === -1 ? 'missing "}}" to close the token' : 'malformed token: expected {{module.method}}',
        start,
      );
    }
    if (/^\$[A-Za-z_][\w]*$/.test(name)) {
      const close = skipSpaces(text, cursor + name.length);
      if (!text.startsWith('}}', close))
        scanner.fail(`unexpected text after "${name}", expected "}}"`, start);
      flush();
      const reference: ReferencePart = {
        type: 'reference',
        name: name.slice(1),
        raw: text.slice(start, close + 2),
        ...positionOf(text, start),
      };
      (current?.parts ?? topLevel).push(reference);
      i = close + 2;
      continue;
    }
    if (!/^[^.]+\.[^.]+$/.test(name)) {
      scanner.fail(`malformed helper name "${name}": expected module.method, e.g. name.firstName`, start);
    }
    cursor += name.length;
    cursor = skipSpaces(text, cursor);
    let args: unknown[] = [];
    if (text[cursor] === '(') {
      const end = findArgumentsEnd(scanner, cursor);
      args = parseArguments(text.slice(cursor + 1, end));
      cursor = skipSpaces(text, end + 1);
    }
    let assign: string | undefined;
    const alias = /^as\s+([A-Za-z_]\w*)\s*/.exec(text.slice(cursor));
    if (alias !== null) {
      assign = alias[1];
      cursor += alias[0].length;
    }
    if (!text.startsWith('}}', cursor)) {
      scanner.fail(
        text[cursor] === undefined
          ? 'missing "}}" to close the token'
          : `unexpected "${text[cursor]}", expected "}}"`,
        start,
      );
    }
    const end = cursor + 2;
    flush();
    const part: CallPart = {
      type: 'call',
      name,
      args,
      raw: text.slice(start, end),
      ...positionOf(text, start),
    };
    if (assign !== undefined) part.assign = assign;
    (current?.parts ?? topLevel).push(part);
    i = end;
  }
  flush();

  if (current !== undefined)
    scanner.fail('"{{#variant}}" is never closed with "{{/variant}}"', openVariantOffset);
  if (variants.length === 0)
    return { variants: [finish({ weight: 1, parts: topLevel, line: 1, column: 1 }, newlines)] };
  const strayCall = topLevel.find((part): part is CallPart | ReferencePart => part.type !== 'text');
  if (strayCall !== undefined) {
    throw new TemplateError(
      'helpers must be inside a {{#variant}} block when the template has variants',
      strayCall.line,
      strayCall.column,
      strayCall.raw,
      options.source,
    );
  }
  if (strayTextOffset !== -1)
    scanner.fail('text outside the {{#variant}} blocks', strayTextOffset, strayTextOffset + 20);
  return { variants: variants.map((variant) => finish(variant, newlines)) };
}

/** Applies the newline mode and trims the record's ends, as the original trimmed the whole template. */
function finish(variant: ParsedVariant, newlines: NewlineMode): ParsedVariant {
  const parts = variant.parts.map((part) =>
    part.type === 'text' ? { type: 'text' as const, value: applyNewlines(part.value, newlines) } : part,
  );
  const first = parts[0];
  if (first?.type === 'text') parts[0] = { type: 'text', value: first.value.trimStart() };
  const last = parts[parts.length - 1];
  if (last?.type === 'text') parts[parts.length - 1] = { type: 'text', value: last.value.trimEnd() };
  return { ...variant, parts: parts.filter((part) => part.type !== 'text' || part.value !== '') };
}
