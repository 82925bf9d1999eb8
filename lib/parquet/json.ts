import { randomBytes } from 'node:crypto';
import { closingQuote } from '../records/json-text';

/**
 * JSON parsing that keeps integers beyond 2^53 exact. Node 20's JSON.parse has no source-text access in
 * revivers, so records are parsed with plain JSON.parse, and only when the row mapper meets an integer
 * beyond 2^53 where exactness matters (an INT64, string or JSON column) is the record parsed again with
 * parseJsonExact: integer tokens of 16+ digits are quoted with a marker, parsed by JSON.parse and revived
 * as BigInt. Records without such integers pay nothing.
 */

/** An integer token of 16+ digits: not part of a fraction or exponent, no leading zero (invalid JSON). */
const LONG_INTEGER_TOKEN = /(?<![\d.eE+-])-?[1-9]\d{15,}(?![\d.eE])/g;
/** Per process, so no string in real data can collide with it (it also starts with a NUL). */
const MARK = `\u0000bigint-${randomBytes(8).toString('hex')}:`;
/** The marker as JSON source text: a raw NUL is not allowed inside a JSON string. */
const MARK_SOURCE = MARK.replace('\u0000', '\\u0000');
const MARKED_IN_OUTPUT = new RegExp(`"${MARK_SOURCE.replace('\\', '\\\\')}(-?\\d+)"`, 'g');

function markUnsafeIntegers(segment: string): string {
  return segment.replace(LONG_INTEGER_TOKEN, (token) =>
    Number.isSafeInteger(Number(token)) ? token : `"${MARK_SOURCE}${token}"`,
  );
}

function revive(_key: string, value: unknown): unknown {
  return typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value;
}

/** Like JSON.parse, but integers outside ±(2^53 - 1) come back as BigInt. Throws SyntaxError as JSON.parse. */
export function parseJsonExact(text: string): unknown {
  let marked = '';
  let from = 0;
  let changed = false;
  // Only text outside string literals can hold number tokens.
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', from)) {
    const outside = text.slice(from, at);
    const replaced = markUnsafeIntegers(outside);
    changed ||= replaced !== outside;
    const close = closingQuote(text, at);
    if (close === -1) return JSON.parse(text);
    marked += replaced + text.slice(at, close + 1);
    from = close + 1;
  }
  const tail = markUnsafeIntegers(text.slice(from));
  changed ||= tail !== text.slice(from);
  return changed ? JSON.parse(marked + tail, revive) : JSON.parse(text);
}

/** True for a float that holds an integer JSON.parse could not keep exactly (beyond 2^53). */
export function isInexactInteger(value: number): boolean {
  return Number.isInteger(value) && !Number.isSafeInteger(value);
}

/** Thrown when a value needs the exact parse: the caller parses the record again with parseJsonExact. */
export class InexactIntegerError extends Error {
  constructor() {
    super('an integer beyond 2^53 was parsed as a float');
    this.name = 'InexactIntegerError';
  }
}

function replaceBigInt(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${MARK}${value.toString()}` : value;
}

function replaceBigIntChecked(key: string, value: unknown): unknown {
  if (typeof value === 'number' && isInexactInteger(value)) throw new InexactIntegerError();
  return replaceBigInt(key, value);
}

/**
 * JSON.stringify that writes BigInt values as plain JSON integers. Unless `exact` (the value came from
 * parseJsonExact), a float holding an integer beyond 2^53 throws InexactIntegerError.
 */
export function stringifyJson(value: unknown, exact = true): string {
  const text = JSON.stringify(value, exact ? replaceBigInt : replaceBigIntChecked);
  return text.includes(MARK.slice(1)) ? text.replace(MARKED_IN_OUTPUT, '$1') : text;
}
