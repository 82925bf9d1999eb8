import { isUtf8 } from 'node:buffer';
import { closingQuote, isJsonWhitespace, skipWhitespace } from './json-text';
import { fail, ok, type Decoded, type DecodeFailure } from './result';

export type JsonObject = Record<string, unknown>;

export interface JsonParserOptions {
  /** Deepest nesting of objects and arrays allowed; a flat top-level object is depth 1. Default 64. */
  maxDepth?: number;
  /**
   * Keys rejected anywhere in a record as `forbidden-key`, naming the key path. Default `__proto__`,
   * `constructor`, `prototype`. Pass `[]` to keep them: JSON.parse then makes them plain own data
   * properties, which is safe for spread and structuredClone but not for Object.assign or a recursive
   * merge (assigning `__proto__` replaces the target's prototype), hence rejection by default.
   */
  forbiddenKeys?: readonly string[];
}

/** What `JsonParser.parse` found in a record. */
export interface ParsedJson {
  objects: JsonObject[];
  /** The record's text (byte order mark removed) when it holds exactly one JSON value; undefined otherwise. */
  text: string | undefined;
  /**
   * `text` without its surrounding whitespace, when it stands for its object exactly (see faithfulLine):
   * a caller that changes nothing may write it instead of serialising the object. Undefined otherwise.
   */
  line: string | undefined;
}

export interface JsonParser {
  /** One object, JSON lines (blank lines and CRLF allowed) or concatenated objects (`{..}{..}`), in order. */
  records(input: Buffer | string): Decoded<JsonObject[]>;
  /** As `records`, keeping the text of a one-object record and, when it stands for the object, its line. */
  parse(input: Buffer | string): Decoded<ParsedJson>;
  /** Exactly one object, with optional surrounding whitespace. */
  object(input: Buffer | string): Decoded<JsonObject>;
}

const DEFAULTS = { maxDepth: 64, forbiddenKeys: ['__proto__', 'constructor', 'prototype'] } as const;
/** Beyond this, downstream recursion (JSON.stringify, validators) risks overflowing the stack anyway. */
const MAX_DEPTH_CEILING = 1000;

const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const BYTE_ORDER_MARK = 0xfeff;
const UNTERMINATED = -1;
const TOO_DEEP = -2;

/**
 * From an opening bracket at `start`, returns the index just past its matching close, UNTERMINATED, or
 * TOO_DEEP as soon as the depth passes `maxDepth` (so 100,000 `[` stop after maxDepth of them). Bracket
 * kinds are not matched here: JSON.parse rejects `{]` afterwards.
 */
function scanContainer(text: string, start: number, maxDepth: number): number {
  let depth = 0;
  for (let position = start; position < text.length; position += 1) {
    const code = text.charCodeAt(position);
    if (code === QUOTE) {
      position = closingQuote(text, position);
      if (position === -1) return UNTERMINATED;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth += 1;
      if (depth > maxDepth) return TOO_DEEP;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 0) return position + 1;
    }
  }
  return UNTERMINATED;
}

/** End of a top-level scalar: a whole string, or up to the next whitespace or opening character. */
function scanScalar(text: string, start: number): number {
  if (text.charCodeAt(start) === QUOTE) {
    const close = closingQuote(text, start);
    return close === -1 ? text.length : close + 1;
  }
  let position = start;
  while (position < text.length) {
    const code = text.charCodeAt(position);
    if (isJsonWhitespace(code) || code === OPEN_BRACE || code === OPEN_BRACKET || code === QUOTE) break;
    position += 1;
  }
  return position;
}

/**
 * Texts longer than this have their opening characters counted before JSON.parse, which builds the whole
 * structure before inspect can bound its depth: a gzip'd record may inflate to 64 MiB of `[`, gigabytes of
 * arrays and seconds of work. A shorter text nests at most 32,768 levels, which parses in about 2 ms.
 */
const COUNT_OPENINGS_ABOVE = 64 * 1024;

/**
 * Depth can only pass maxDepth if the text holds more than maxDepth opening characters; native indexOf
 * counts them far faster than a character loop.
 */
function fewerOpeningsThan(text: string, limit: number): boolean {
  let count = 0;
  for (let at = text.indexOf('{'); at !== -1; at = text.indexOf('{', at + 1)) {
    if (++count > limit) return false;
  }
  for (let at = text.indexOf('['); at !== -1; at = text.indexOf('[', at + 1)) {
    if (++count > limit) return false;
  }
  return true;
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** V8 quotes a few characters of the input in some messages; error outputs must not echo payloads. */
function withoutInputExcerpt(message: string): string {
  return message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
}

const COLON = ':';

function colonsIn(text: string): number {
  let count = 0;
  for (let at = text.indexOf(COLON); at !== -1; at = text.indexOf(COLON, at + 1)) count += 1;
  return count;
}

const NESTS_TOO_DEEP = -1;
const OWNS_FORBIDDEN_KEY = -2;

/**
 * The one walk over every accepted object: NESTS_TOO_DEEP past `maxDepth` (the bound that also keeps this
 * recursion short), OWNS_FORBIDDEN_KEY when an object owns one, otherwise the object's keys plus the colons
 * in its string values, which faithfulLine compares with its text. Exact, unlike a search of the text:
 * escapes such as `"__pro\u0074o__"` are already decoded. Allocates nothing.
 */
function inspect(value: object, depth: number, maxDepth: number, forbidden: readonly string[]): number {
  if (depth > maxDepth) return NESTS_TOO_DEEP;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      const inner = inspectChild(item, depth, maxDepth, forbidden);
      if (inner < 0) return inner;
      count += inner;
    }
    return count;
  }
  for (const key in value) {
    for (let index = 0; index < forbidden.length; index += 1) {
      if (key === forbidden[index]) return OWNS_FORBIDDEN_KEY;
    }
    const inner = inspectChild((value as JsonObject)[key], depth, maxDepth, forbidden);
    if (inner < 0) return inner;
    count += 1 + inner;
  }
  return count;
}

/** A member of an object or array at `depth`: its colons if a string, its walk if an object or array. */
function inspectChild(child: unknown, depth: number, maxDepth: number, forbidden: readonly string[]): number {
  if (typeof child === 'string') return colonsIn(child);
  if (typeof child === 'object' && child !== null) return inspect(child, depth + 1, maxDepth, forbidden);
  return 0;
}

/**
 * The record's text, trimmed, when it means the same to every reader as the object that was validated;
 * undefined when the object must be serialised instead. Passing it on saves re-serialising (the largest
 * per-record cost after parsing) and keeps the producer's exact bytes (digits of large numbers, key order).
 * - one line (JSON lines output; JSON allows newlines between tokens, which would split the record);
 * - no duplicate keys (JSON.parse keeps the last, other readers the first: the validated value must be the
 *   one everybody sees). Counting proves it. Outside strings a `:` only follows a key, so the text holds
 *   (keys + colons in keys + colons in string values) colons, counted over the text's keys. The parsed
 *   object can only have fewer of each (a duplicate's key and value are dropped), so its keys plus the
 *   colons in its string values (`colons`, from inspect) equal the text's colons only when nothing was
 *   dropped. (Colons in keys are left out of the count: such a record is serialised, which is always
 *   safe.) Escapes could hide a colon (`\u003a`), so text with a backslash does not qualify.
 */
function faithfulLine(text: string, colons: number): string | undefined {
  const line = text.trim();
  if (line.includes('\n') || line.includes('\r') || line.includes('\\')) return undefined;
  return colonsIn(line) === colons ? line : undefined;
}

/** Path of the first forbidden key in document order; runs only once a record is known to hold one. */
function forbiddenKeyPath(value: unknown, forbidden: ReadonlySet<string>, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = forbiddenKeyPath(value[index], forbidden, `${path}[${index}]`);
      if (found !== undefined) return found;
    }
  } else if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      const keyPath = path === '' ? key : `${path}.${key}`;
      if (forbidden.has(key)) return keyPath;
      const found = forbiddenKeyPath(value[key], forbidden, keyPath);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const OPTION_NAMES: ReadonlySet<string> = new Set(['maxDepth', 'forbiddenKeys']);

function resolveOptions(options: JsonParserOptions): { maxDepth: number; forbiddenKeys: readonly string[] } {
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new TypeError(`unknown JSON parser option "${name}"`);
  }
  const maxDepth = options.maxDepth ?? DEFAULTS.maxDepth;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > MAX_DEPTH_CEILING) {
    throw new RangeError(`maxDepth must be an integer from 1 to ${MAX_DEPTH_CEILING}, got ${maxDepth}`);
  }
  const forbiddenKeys = options.forbiddenKeys ?? DEFAULTS.forbiddenKeys;
  if (!Array.isArray(forbiddenKeys) || forbiddenKeys.some((key) => typeof key !== 'string' || key === '')) {
    throw new TypeError('forbiddenKeys must be an array of non-empty strings');
  }
  return { maxDepth, forbiddenKeys };
}

class Parser implements JsonParser {
  private readonly maxDepth: number;
  private readonly forbidden: readonly string[];
  private readonly forbiddenSet: ReadonlySet<string>;

  constructor(options: JsonParserOptions) {
    const { maxDepth, forbiddenKeys } = resolveOptions(options);
    this.maxDepth = maxDepth;
    this.forbidden = [...forbiddenKeys];
    this.forbiddenSet = new Set(forbiddenKeys);
  }

  records(input: Buffer | string): Decoded<JsonObject[]> {
    const parsed = this.decode(input, false);
    return parsed.ok ? ok(parsed.value.objects) : parsed;
  }

  parse(input: Buffer | string): Decoded<ParsedJson> {
    return this.decode(input, true);
  }

  /** `parse`, with the faithful-line proof only when the caller wants the line. */
  private decode(input: Buffer | string, withLine: boolean): Decoded<ParsedJson> {
    const text = toText(input);
    if (typeof text !== 'string') return text;
    // The scanner stops at the first level too deep. Otherwise JSON.parse goes first (it is iterative: no
    // depth overflows its stack) and inspect bounds the depth after it.
    if (this.mayNestTooDeep(text)) return this.stream(text);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.stream(text); // JSON lines, concatenated objects, or invalid: the scanner tells which
    }
    const colons = this.inspected(value, 0, text);
    if (typeof colons !== 'number') return colons;
    const line = withLine ? faithfulLine(text, colons) : undefined;
    return ok({ objects: [value as JsonObject], text, line });
  }

  object(input: Buffer | string): Decoded<JsonObject> {
    const text = toText(input);
    if (typeof text !== 'string') return text;
    if (this.mayNestTooDeep(text)) {
      const start = skipWhitespace(text, 0);
      const code = text.charCodeAt(start);
      if (
        (code === OPEN_BRACE || code === OPEN_BRACKET) &&
        scanContainer(text, start, this.maxDepth) === TOO_DEEP
      ) {
        return this.tooDeep(0, start);
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return fail('invalid-json', `invalid JSON: ${withoutInputExcerpt((error as Error).message)}`);
    }
    const colons = this.inspected(value, 0, text);
    return typeof colons === 'number' ? ok(value as JsonObject) : colons;
  }

  /** A long text with more opening characters than maxDepth: the scanner must look before JSON.parse. */
  private mayNestTooDeep(text: string): boolean {
    return text.length > COUNT_OPENINGS_ABOVE && !fewerOpeningsThan(text, this.maxDepth);
  }

  /** Splits top-level values with a string-aware bracket scan, then JSON.parse each one. */
  private stream(text: string): Decoded<ParsedJson> {
    const objects: JsonObject[] = [];
    for (let start = skipWhitespace(text, 0); start < text.length;) {
      const index = objects.length;
      const code = text.charCodeAt(start);
      let end: number;
      if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        end = scanContainer(text, start, this.maxDepth);
        if (end === TOO_DEEP) return this.tooDeep(index, start);
        if (end === UNTERMINATED) {
          return fail(
            'invalid-json',
            `JSON value #${index} at offset ${start} is not terminated (truncated?)`,
          );
        }
      } else {
        end = scanScalar(text, start);
      }
      const slice = text.slice(start, end);
      let value: unknown;
      try {
        value = JSON.parse(slice);
      } catch (error) {
        const reason = withoutInputExcerpt((error as Error).message);
        return fail('invalid-json', `JSON value #${index} at offset ${start} is invalid: ${reason}`);
      }
      // The scan bounded the depth already; the walk still runs for the forbidden keys.
      const checked = this.inspected(value, index, text, start);
      if (typeof checked !== 'number') return checked;
      objects.push(value as JsonObject);
      start = skipWhitespace(text, end);
    }
    if (objects.length === 0)
      return fail('invalid-json', 'no JSON value in the data (empty or whitespace only)');
    return ok({ objects, text: objects.length === 1 ? text : undefined, line: undefined });
  }

  /**
   * The value at `offset` (found when it fails: the start of `text`'s first value when not given) checked:
   * an object within maxDepth owning no forbidden key gives inspect's colon count, anything else its
   * failure. Depth is reported before kind (a 100,000-deep array is nesting-too-deep, as the scanner finds
   * it); in an object, the walk reports whichever of a forbidden key and too deep a nesting it meets first.
   */
  private inspected(value: unknown, index: number, text: string, offset?: number): number | DecodeFailure {
    const colons =
      typeof value === 'object' && value !== null ? inspect(value, 1, this.maxDepth, this.forbidden) : 0;
    if (colons >= 0 && isJsonObject(value)) return colons;
    const at = offset ?? skipWhitespace(text, 0);
    if (colons === NESTS_TOO_DEEP) return this.tooDeep(index, at);
    if (!isJsonObject(value)) {
      return fail(
        'not-an-object',
        `JSON value #${index} at offset ${at} is ${describeKind(value)}, not an object`,
      );
    }
    const path = forbiddenKeyPath(value, this.forbiddenSet, '') ?? '(unknown)';
    return fail('forbidden-key', `JSON value #${index} at offset ${at} has the forbidden key ${path}`);
  }

  private tooDeep(index: number, offset: number): DecodeFailure {
    return fail(
      'nesting-too-deep',
      `JSON value #${index} at offset ${offset} nests deeper than ${this.maxDepth} levels`,
    );
  }
}

const REPLACEMENT_CHARACTER = '\ufffd';
const NOT_UTF8: DecodeFailure = Object.freeze(fail('invalid-utf8', 'the data is not valid UTF-8'));

/**
 * Buffer.toString replaces invalid UTF-8 with U+FFFD, silently garbling Latin-1 or binary data. The native
 * validator costs more than the decode itself for small records, so it only runs when a U+FFFD shows up.
 */
function toText(input: Buffer | string): string | DecodeFailure {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    text = input.toString('utf8');
    if (text.includes(REPLACEMENT_CHARACTER) && !isUtf8(input)) return NOT_UTF8;
  }
  // Some producers (Windows tools, PowerShell) prefix a BOM, which JSON.parse rejects.
  return text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text;
}

/** Validates options once; call the returned parser per record. */
export function createJsonParser(options: JsonParserOptions = {}): JsonParser {
  return new Parser(options);
}

const defaultParser = createJsonParser();
const parsersByOptions = new WeakMap<JsonParserOptions, JsonParser>();

function parserFor(options: JsonParserOptions | undefined): JsonParser {
  if (options === undefined) return defaultParser;
  let parser = parsersByOptions.get(options);
  if (parser === undefined) {
    parser = createJsonParser(options);
    parsersByOptions.set(options, parser);
  }
  return parser;
}

/** One object, JSON lines or concatenated objects. Reuse one options object (or createJsonParser) in loops. */
export function parseJsonRecords(input: Buffer | string, options?: JsonParserOptions): Decoded<JsonObject[]> {
  return parserFor(options).records(input);
}

/** Exactly one JSON object: the common one-object-per-record case, without the array. */
export function parseJsonObject(input: Buffer | string, options?: JsonParserOptions): Decoded<JsonObject> {
  return parserFor(options).object(input);
}
