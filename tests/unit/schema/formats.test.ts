import { fullFormats } from 'ajv-formats/dist/formats';
import { isCanonicalIsoDateTime, dateTimeFormat, isUuid } from '../../../lib/schema/formats';
import { compileValidator } from '../../../lib/schema/validate';
import { daysInMonth, isCalendarDate, digitsAt } from '../../../lib/time/calendar';
import { createRandom } from '../../../lib/generator/random';

/** The definition the fast check replaces: Date's own parse and print agree on the text. */
function roundTrips(text: string): boolean {
  const time = Date.parse(text);
  return !Number.isNaN(time) && new Date(time).toISOString() === text;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

describe('isCanonicalIsoDateTime', () => {
  it.each([
    '2026-11-22T12:00:00.000Z',
    '2024-02-29T23:59:59.999Z',
    '2000-02-29T00:00:00.000Z',
    '0000-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
  ])('accepts %s', (text) => {
    expect(isCanonicalIsoDateTime(text)).toBe(true);
    expect(roundTrips(text)).toBe(true);
  });

  it.each([
    ['30 February', '2026-02-30T12:00:00.000Z'],
    ['29 February of a common year', '1900-02-29T12:00:00.000Z'],
    ['month 13', '2026-13-01T12:00:00.000Z'],
    ['month 00', '2026-00-01T12:00:00.000Z'],
    ['day 00', '2026-01-00T12:00:00.000Z'],
    ['hour 24', '2026-01-01T24:00:00.000Z'],
    ['minute 60', '2026-01-01T12:60:00.000Z'],
    ['leap second', '2026-12-31T23:59:60.000Z'],
    ['no fraction', '2026-11-22T12:00:00Z'],
    ['lower-case t', '2026-11-22t12:00:00.000Z'],
    ['offset instead of Z', '2026-11-22T12:00:00.00+01'],
    ['space separator', '2026-11-22 12:00:00.000Z'],
    ['sign in a field', '2026-+1-22T12:00:00.000Z'],
    ['letter in the fraction', '2026-11-22T12:00:00.00aZ'],
    ['expanded year', '+02026-11-22T12:00:00.000Z'],
  ])('refuses %s', (_, text) => {
    expect(isCanonicalIsoDateTime(text)).toBe(false);
    expect(roundTrips(text)).toBe(false);
  });

  it('refuses non-strings', () => {
    for (const value of [undefined, null, 1_700_000_000_000, new Date(), ['2026-11-22T12:00:00.000Z']]) {
      expect(isCanonicalIsoDateTime(value)).toBe(false);
    }
  });

  it('agrees with the Date round trip on 20,000 random near-canonical texts', () => {
    const next = createRandom(20261122);
    const disagreements: string[] = [];
    for (let index = 0; index < 20_000; index += 1) {
      // Field values a little beyond their ranges, so both sides of every bound are exercised.
      const year = Math.floor(next() * 10_000);
      const text =
        `${pad(year, 4)}-${pad(Math.floor(next() * 14), 2)}-${pad(Math.floor(next() * 33), 2)}` +
        `T${pad(Math.floor(next() * 26), 2)}:${pad(Math.floor(next() * 62), 2)}:${pad(Math.floor(next() * 62), 2)}` +
        `.${pad(Math.floor(next() * 1000), 3)}Z`;
      if (isCanonicalIsoDateTime(text) !== roundTrips(text)) disagreements.push(text);
    }
    expect(disagreements).toEqual([]);
  });

  it('keeps the full RFC 3339 check for other shapes', () => {
    const validate = dateTimeFormat.validate as (value: string) => boolean;
    expect(validate('2026-11-22T12:00:00+01:00')).toBe(true);
    expect(validate('2026-11-22T12:00:00Z')).toBe(true);
    expect(validate('2026-02-30T12:00:00+01:00')).toBe(false);
    expect(validate('22/11/2026')).toBe(false);
  });
});

describe('isUuid', () => {
  /** The definition it replaces. */
  const uuidRegex = fullFormats.uuid as RegExp;

  it.each([
    '123e4567-e89b-12d3-a456-426614174000',
    '123E4567-E89B-12D3-A456-426614174000',
    'urn:uuid:123e4567-e89b-12d3-a456-426614174000',
    'URN:UUID:123e4567-e89b-12d3-a456-426614174000',
    '00000000-0000-0000-0000-000000000000',
  ])('accepts %s', (text) => {
    expect(isUuid(text)).toBe(true);
    expect(uuidRegex.test(text)).toBe(true);
  });

  it.each([
    ['a letter beyond f', '123e4567-e89b-12d3-a456-42661417400g'],
    ['a hyphen moved', '123e456-7e89b-12d3-a456-426614174000'],
    ['braces', '{123e4567-e89b-12d3-a456-426614174000}'],
    ['no hyphens', '123e4567e89b12d3a456426614174000'],
    ['one digit short', '123e4567-e89b-12d3-a456-42661417400'],
    ['another prefix', 'urn:uid:123e4567-e89b-12d3-a456-4266141740000'],
    ['trailing newline', '123e4567-e89b-12d3-a456-426614174000\n'],
    ['empty', ''],
  ])('refuses %s', (_, text) => {
    expect(isUuid(text)).toBe(false);
    expect(uuidRegex.test(text)).toBe(false);
  });

  it("agrees with ajv-formats' regex on 20,000 random near-uuids", () => {
    const next = createRandom(42);
    const alphabet = '0123456789abcdefABCDEFgG-:{ ';
    const disagreements: string[] = [];
    for (let index = 0; index < 20_000; index += 1) {
      const chars = [...crypto.randomUUID()];
      // Mutate a few characters, sometimes none, sometimes the length, sometimes add the prefix.
      for (let edits = Math.floor(next() * 3); edits > 0; edits -= 1) {
        chars[Math.floor(next() * chars.length)] = alphabet[Math.floor(next() * alphabet.length)]!;
      }
      if (next() < 0.05) chars.pop();
      const prefix = next() < 0.2 ? (next() < 0.5 ? 'urn:uuid:' : 'Urn:UUID:') : '';
      const text = prefix + (next() < 0.5 ? chars.join('').toUpperCase() : chars.join(''));
      if (isUuid(text) !== uuidRegex.test(text)) disagreements.push(text);
    }
    expect(disagreements).toEqual([]);
  });

  it('is the uuid format validators use', () => {
    const validate = compileValidator({ type: 'string', format: 'uuid' });
    expect(validate('123e4567-e89b-12d3-a456-426614174000').ok).toBe(true);
    expect(validate('123e4567-e89b-12d3-a456-42661417400g')).toEqual({
      ok: false,
      issues: [{ path: '(root)', message: 'must match format "uuid"' }],
    });
  });
});

describe('calendar', () => {
  it('knows the Gregorian leap years', () => {
    expect([1900, 2000, 2023, 2024, 0].map((year) => daysInMonth(year, 2))).toEqual([28, 29, 28, 29, 29]);
    expect(daysInMonth(2026, 13)).toBe(0);
    expect(isCalendarDate(2026, 4, 31)).toBe(false);
    expect(isCalendarDate(2026, 4, 30)).toBe(true);
  });

  it('reads digits and refuses anything else', () => {
    expect(digitsAt('x2026y', 1, 5)).toBe(2026);
    expect(digitsAt('20a6', 0, 4)).toBe(-1);
    expect(digitsAt('2 26', 0, 4)).toBe(-1);
  });
});
