/**
 * One input record → its plan (lib/firehose/record-planner.ts), over the scripted doubles of planner-fakes.ts:
 * the guards, the size limits at the exact byte, drops, key mixes and splits.
 */
import type { InputFormatName } from '../../../lib/firehose/inputs';
import { DROPPED, failed, type Plan } from '../../../lib/firehose/plan';
import { base64, calls, formatNamed, okText, partsOf, plannerOf, recordOf, textOf } from './planner-fakes';

beforeEach(() => {
  calls.length = 0;
});

describe('what is not a decodable record', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['number', 42],
    ['undefined', undefined],
  ])('fails data that is %s, naming its type', (type, data) => {
    const { plan } = plannerOf();
    expect(plan(recordOf(data as string))).toEqual(
      failed('invalid-base64', `data is ${type}, not base64 text`),
    );
  });

  it('fails data that is not base64, and data the input format cannot decode, with their reasons', () => {
    const { plan, summary } = plannerOf();
    expect(plan(recordOf('abc'))).toEqual(failed('invalid-base64', 'base64 length 3 is not a multiple of 4'));
    expect(plan(recordOf(base64('!')))).toEqual(failed('invalid-json', 'not JSON at offset 0'));
    expect(summary.objects).toBe(0);
  });

  it('drops a control message without processing anything', () => {
    const { plan, summary } = plannerOf();
    expect(plan(recordOf(base64('CONTROL')))).toBe(DROPPED['control-message']);
    expect(calls).toEqual([]);
    expect(summary.objects).toBe(0);
  });
});

describe('a record of one object', () => {
  it('returns its line and a newline with its keys, the record text passed as the faithful line', () => {
    const { plan } = plannerOf();
    const result = plan([{ out: 'line-1', k: 'a' }]);
    expect(result).toEqual({ kind: 'ok', data: base64('line-1\n'), keys: { k: 'a' } });
    expect(calls.map((call) => call.line)).toEqual(['{"out":"line-1","k":"a"}']);
  });

  it('fails with the object message as is, and drops by a filter counting the rule', () => {
    const { plan, summary } = plannerOf();
    expect(plan([{ fail: 'schema-violation' }])).toEqual(failed('schema-violation', 'bad value'));
    expect(summary.droppedObjects).toEqual({});
    expect(plan([{ drop: 'no-heartbeats' }])).toBe(DROPPED.filtered);
    expect(plan([{ drop: 'no-heartbeats' }])).toBe(DROPPED.filtered);
    expect(summary.droppedObjects).toEqual({ 'no-heartbeats': 2 });
    expect(summary.objects).toBe(3);
  });

  it.each<[string, string, Plan['kind'], string]>([
    ['9 ASCII bytes and the newline: exactly the limit', 'x'.repeat(9), 'ok', ''],
    ['10 ASCII bytes and the newline: one over', 'x'.repeat(10), 'failed', 'output is 11 bytes'],
    ['3 three-byte characters and the newline: exactly the limit', '€€€', 'ok', ''],
    ['4 three-byte characters and the newline: 13 bytes', '€€€€', 'failed', 'output is 13 bytes'],
  ])('under a 10-byte record limit, a line of %s', (_case, out, kind, message) => {
    const result = plannerOf({ maxRecordBytes: 10 }).plan([{ out }]);
    if (kind === 'ok') expect(okText(result)).toBe(`${out}\n`);
    else expect(result).toEqual(failed('record-too-large', `${message}; a record may hold 10`));
  });

  it('returns the record data itself when it is the unchanged line and a newline, even non-canonical', () => {
    // 25 bytes: the last group holds one byte, its second character 4 unused bits.
    const canonical = base64('{"verbatim":true,"x":12}\n');
    expect(canonical.slice(-4)).toBe('Cg==');
    const spelt = `${canonical.slice(0, -4)}Ch==`;
    expect(Buffer.from(spelt, 'base64')).toEqual(Buffer.from(canonical, 'base64'));
    expect(spelt).not.toBe(canonical);
    const { plan } = plannerOf();
    expect(plan(recordOf(spelt))).toEqual({ kind: 'ok', data: spelt, keys: undefined });
  });

  it.each([0, 1, 2])(
    'appends the newline to an unchanged line whose bytes leave %i in the last base64 group',
    (tail) => {
      const text = `{"verbatim":true,"pad":"${'x'.repeat([1, 2, 0][tail]!)}"}`;
      expect(text.length % 3).toBe(tail);
      const result = plannerOf().plan(recordOf(base64(text)));
      expect(result).toEqual({ kind: 'ok', data: base64(`${text}\n`), keys: undefined });
    },
  );

  it('encodes an unchanged line again when the record holds more than the line and a newline', () => {
    const text = '{"verbatim":true}';
    const result = plannerOf().plan(recordOf(base64(` ${text}\r\n`)));
    expect(result).toEqual({ kind: 'ok', data: base64(`${text}\n`), keys: undefined });
  });

  it('appends the newline to an unchanged line without encoding the whole line again', () => {
    const data = base64('{"verbatim":true,"pad":"x"}');
    const from = jest.spyOn(Buffer, 'from');
    try {
      plannerOf().plan(recordOf(data));
      const encoded = from.mock.calls.filter(([value]) => String(value).includes('verbatim'));
      expect(encoded).toEqual([]);
    } finally {
      from.mockRestore();
    }
  });

  it('counts the bytes of a line only when its length says it could pass the limit', () => {
    // 4 UTF-16 units and a newline are at most 15 bytes.
    const byteLength = jest.spyOn(Buffer, 'byteLength');
    const measured = () => byteLength.mock.calls.filter(([value]) => value === 'abcd').length;
    try {
      plannerOf({ maxRecordBytes: 15 }).plan([{ out: 'abcd' }]);
      expect(measured()).toBe(0);
      plannerOf({ maxRecordBytes: 14 }).plan([{ out: 'abcd' }]);
      expect(measured()).toBe(1);
    } finally {
      byteLength.mockRestore();
    }
  });

  it('encodes a changed line, not the record data', () => {
    const result = plannerOf().plan([{ out: '{"changed":1}' }]);
    expect(result).toEqual({ kind: 'ok', data: base64('{"changed":1}\n'), keys: undefined });
  });
});

describe('a record of several objects', () => {
  it('joins their lines, each with a newline, under the keys they share; no faithful line is passed', () => {
    const { plan, summary } = plannerOf();
    const result = plan([
      { out: 'a', k: '1' },
      { out: 'b', k: '1' },
      { out: 'c', k: '1' },
    ]);
    expect(result).toEqual({ kind: 'ok', data: base64('a\nb\nc\n'), keys: { k: '1' } });
    expect(calls.map((call) => call.line)).toEqual([undefined, undefined, undefined]);
    expect(summary.objects).toBe(3);
  });

  it('returns no keys when the objects have none', () => {
    expect(plannerOf().plan([{ out: 'a' }, { out: 'b' }])).toEqual({
      kind: 'ok',
      data: base64('a\nb\n'),
      keys: undefined,
    });
  });

  it.each<[InputFormatName, string]>([
    ['json', 'object 2 of 3: bad value'],
    ['cloudwatch-logs', 'log event 2 of 3: bad value'],
  ])('fails the whole record on one failed object, naming it (%s)', (format, message) => {
    const { plan, summary } = plannerOf({ format: formatNamed(format) });
    const result = plan([{ drop: 'rule-a' }, { fail: 'schema-violation' }, { out: 'c' }]);
    expect(result).toEqual(failed('schema-violation', message));
    // A failed record goes to the error output whole: its drops are not counted.
    expect(summary.droppedObjects).toEqual({});
    expect(summary.objects).toBe(3);
  });

  it('keeps the other objects when filters drop some, counting each drop by rule', () => {
    const { plan, summary } = plannerOf();
    const result = plan([{ drop: 'a' }, { out: 'kept' }, { drop: 'b' }, { drop: 'a' }]);
    expect(result).toEqual({ kind: 'ok', data: base64('kept\n'), keys: undefined });
    expect(summary.droppedObjects).toEqual({ a: 2, b: 1 });
  });

  it('drops the record when every object is dropped', () => {
    expect(plannerOf().plan([{ drop: 'a' }, { drop: 'a' }])).toBe(DROPPED.filtered);
  });

  it('returns an output of exactly the record limit, and splits it in halves one byte over', () => {
    const four = [{ x: 5 }, { x: 5 }, { x: 5 }, { x: 5 }];
    expect(okText(plannerOf({ maxRecordBytes: 24 }).plan(four))).toBe('xxxxx\n'.repeat(4));
    const result = plannerOf({ maxRecordBytes: 23 }).plan(four);
    expect(result).toMatchObject({ kind: 'reingest', reason: 'reingested-split-size' });
    // The parts are the original objects, rebuilt, not their outputs.
    expect(partsOf(result)).toEqual([`${textOf(four.slice(0, 2))}\n`, `${textOf(four.slice(2))}\n`]);
  });

  it('measures each line in UTF-8 bytes, with its newline, when it splits', () => {
    // Lines of 12 bytes and a newline: together 26, over 25; each rebuilt object is 11 bytes.
    const objects = [{ euro: 4 }, { euro: 4 }];
    expect(partsOf(plannerOf({ maxRecordBytes: 25 }).plan(objects))).toEqual([
      '{"euro":4}\n',
      '{"euro":4}\n',
    ]);
    expect(plannerOf({ maxRecordBytes: 12 }).plan(objects)).toEqual(
      failed('record-too-large', 'object 1 of 2: is 13 bytes after transformation; a record may hold 12'),
    );
  });

  it('fails the record when the one object left after the drops is over the limit, naming it', () => {
    const result = plannerOf({ maxRecordBytes: 5 }).plan([{ drop: 'a' }, { out: 'x'.repeat(5) }]);
    expect(result).toEqual(
      failed('record-too-large', 'object 2 of 2: output is 6 bytes; a record may hold 5'),
    );
  });

  it('splits objects with different keys into one part per key set, leaving out the dropped ones', () => {
    const objects = [{ k: 'a' }, { drop: 'x' }, { k: 'b' }, { k: 'a' }];
    const result = plannerOf().plan(objects);
    expect(result).toMatchObject({ kind: 'reingest', reason: 'reingested-split-keys' });
    expect(partsOf(result)).toEqual([
      `${textOf([objects[0]!, objects[3]!])}\n`,
      `${textOf([objects[2]!])}\n`,
    ]);
  });

  it('splits by keys even when every output would fit one record', () => {
    const result = plannerOf().plan([{ k: 'a' }, { k: 'b' }]);
    expect(result).toMatchObject({ kind: 'reingest', reason: 'reingested-split-keys' });
    expect(partsOf(result)).toHaveLength(2);
  });
});
