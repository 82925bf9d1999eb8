/**
 * The one ISO-8601 reader (lib/time/iso8601.ts), against java.time (js-joda) as the oracle, and the three
 * callers held to it: the transforms' `timestamp` step, partition-key timestamps and Parquet TIMESTAMP columns.
 */
import { OffsetDateTime } from '@js-joda/core';
import { timestampParser } from '../../../lib/parquet/timestamps';
import { parseTimestampValue } from '../../../lib/partitioning/timestamp-parse';
import { toEpochMillis } from '../../../lib/transform';
import { isoEpochMillis, parseIso8601 } from '../../../lib/time/iso8601';

const javaMillis = (text: string): number => OffsetDateTime.parse(text).toInstant().toEpochMilli();

describe('parseIso8601', () => {
  it.each([
    '2024-03-05T10:20:30Z',
    '2024-03-05T10:20:30.123Z',
    '2024-03-05T10:20:30.123456789Z',
    '2024-03-05T10:20Z',
    '2024-02-29T23:59:59+05:30',
    '2024-03-05T10:20:30-08:00',
    '2024-03-05T10:20:30+18:00',
    '2024-03-05T10:20:30-18:00',
    '0001-01-01T00:00:00Z',
    '0099-12-31T00:00:00.5Z',
    '9999-12-31T23:59:59.999Z',
  ])('reads %s as java.time does', (text) => {
    // Act
    const fields = parseIso8601(text);

    // Assess
    expect(fields?.problem).toBeUndefined();
    expect(isoEpochMillis(fields!)).toBe(javaMillis(text));
  });

  it.each([
    ['2024-03-05t10:20:30z', '2024-03-05T10:20:30Z'],
    ['2024-03-05 10:20:30Z', '2024-03-05T10:20:30Z'],
    ['2024-03-05T10:20:30,25Z', '2024-03-05T10:20:30.25Z'],
    ['2024-03-05T10:20:30+0530', '2024-03-05T10:20:30+05:30'],
    ['2024-03-05T10:20:30+05', '2024-03-05T10:20:30+05:00'],
    ['2024-3-5T10:20:30Z', '2024-03-05T10:20:30Z'],
  ])('reads the variant %s as %s', (variant, standard) => {
    expect(isoEpochMillis(parseIso8601(variant)!)).toBe(javaMillis(standard));
  });

  it('says what the text lacks: a time, a zone', () => {
    expect(parseIso8601('2024-03-05')).toMatchObject({ hasTime: false, hasZone: false, day: 5 });
    expect(parseIso8601('2024-03-05T10:20:30')).toMatchObject({ hasTime: true, hasZone: false });
    expect(parseIso8601('2024-03-05T10:20:30Z')).toMatchObject({ hasTime: true, hasZone: true });
  });

  it.each([
    ['2024-02-30T00:00:00Z', 'date'],
    ['2023-02-29', 'date'],
    ['2024-13-01T00:00:00.000Z', 'date'],
    ['2024-00-01T00:00:00Z', 'date'],
    ['2024-03-05T24:00:00Z', 'time'],
    ['2024-03-05T10:60:00Z', 'time'],
    ['2024-03-05T10:00:60.000Z', 'time'],
    ['2024-03-05T10:00:00+18:01', 'offset'],
    ['2024-03-05T10:00:00+19:00', 'offset'],
    ['2024-03-05T10:00:00-05:60', 'offset'],
  ])('%s is ISO-8601 but names no real %s', (text, problem) => {
    expect(parseIso8601(text)?.problem).toBe(problem);
  });

  it.each([
    'March 7 2024',
    '',
    '2024-03-05T10:20:3x.000Z',
    '2024-03-05T10:20:30.000X',
    '2024-03-05T10:20:30.Z',
    '2024-03-05T10:20:30.1234567890Z',
    '24-03-05',
    '2024-03-05T1:20:30Z',
    '2024-03-05T10:20:30+5',
    ' 2024-03-05',
  ])('%j is not ISO-8601', (text) => {
    expect(parseIso8601(text)).toBeUndefined();
  });
});

describe('one rule for every caller', () => {
  const parquet = timestampParser(['iso8601']);
  const partitionKey = (text: string) => parseTimestampValue(text, 'iso');

  it.each([
    '2024-03-05T10:20:30.123Z',
    '2024-3-5T10:20:30.123Z',
    '2024-03-05t10:20:30,123z',
    '2024-03-05T15:50:30.123+05:30',
    '2024-03-05T10:20:30.123456789Z',
  ])('%s: the same instant for transforms, partition keys and Parquet', (text) => {
    const millis = Date.parse('2024-03-05T10:20:30.123Z');
    expect(toEpochMillis(text)).toBe(millis);
    expect(partitionKey(text)).toEqual({ ok: true, date: new Date(millis) });
    expect((parquet(text) as bigint) / 1000n).toBe(BigInt(millis));
  });

  it.each(['2024-03-05T10:20:30+18:30', '2024-02-30T10:20:30Z', '2024-03-05T10:20:30.1234567890Z'])(
    '%s: refused by all three',
    (text) => {
      expect(toEpochMillis(text)).toBeUndefined();
      expect(partitionKey(text).ok).toBe(false);
      expect(parquet(text)).toEqual({ error: expect.any(String) });
    },
  );
});
