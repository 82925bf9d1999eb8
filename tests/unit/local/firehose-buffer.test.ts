import { ManualClock, SizeIntervalBuffer, type FlushReason } from '../../../lib/local/firehose-buffer';

interface Flushed {
  items: string[];
  bytes: number;
  reason: FlushReason;
  at: number;
}

function setup(maxBytes: number, intervalMs: number) {
  const clock = new ManualClock(0);
  const flushed: Flushed[] = [];
  const buffer = new SizeIntervalBuffer<string>({ maxBytes, intervalMs }, clock, (items, bytes, reason) =>
    flushed.push({ items, bytes, reason, at: clock.now() }),
  );
  const add = (...items: string[]) => items.forEach((item) => buffer.add(item, item.length));
  return { clock, flushed, buffer, add };
}

describe('SizeIntervalBuffer', () => {
  it('flushes when the buffered bytes reach the size', () => {
    // Prepare
    const { flushed, add, buffer } = setup(10, 1_000);

    // Act
    add('aaaa', 'bbbb', 'cc', 'd');

    // Assess
    expect(flushed).toEqual([{ items: ['aaaa', 'bbbb', 'cc'], bytes: 10, reason: 'size', at: 0 }]);
    expect(buffer.length).toBe(1);
  });

  it('flushes what it holds before an item that would overflow, so a batch stays within the size', () => {
    // Prepare
    const { flushed, add } = setup(10, 1_000);

    // Act
    add('aaaaaa', 'bbbbbb');

    // Assess
    expect(flushed.map((f) => [f.items, f.bytes])).toEqual([[['aaaaaa'], 6]]);
  });

  it('passes an item larger than the size alone', () => {
    // Prepare
    const { flushed, add } = setup(4, 1_000);

    // Act
    add('ab', 'abcdefgh');

    // Assess
    expect(flushed.map((f) => f.items)).toEqual([['ab'], ['abcdefgh']]);
  });

  it('flushes the interval after the first item, not after the last', () => {
    // Prepare
    const { clock, flushed, add } = setup(1_000, 60_000);
    add('a');
    clock.advance(30_000);
    add('b');

    // Act
    clock.advance(29_999);
    const before = flushed.length;
    clock.advance(1);

    // Assess
    expect(before).toBe(0);
    expect(flushed).toEqual([{ items: ['a', 'b'], bytes: 2, reason: 'interval', at: 60_000 }]);
    expect(clock.pending()).toBe(0);
  });

  it('starts a new interval with the first item after a flush', () => {
    // Prepare
    const { clock, flushed, add } = setup(1_000, 10_000);
    add('a');
    clock.advance(10_000);

    // Act
    clock.advance(5_000);
    add('b');
    clock.advance(9_999);
    const before = flushed.length;
    clock.advance(1);

    // Assess
    expect(before).toBe(1);
    expect(flushed.map((f) => [f.items, f.at])).toEqual([
      [['a'], 10_000],
      [['b'], 25_000],
    ]);
  });

  it('with interval 0 flushes on the next timer tick, batching what came in together', () => {
    // Prepare
    const { clock, flushed, add } = setup(1_000, 0);
    add('a', 'b');

    // Act
    clock.advance(0);

    // Assess
    expect(flushed.map((f) => f.items)).toEqual([['a', 'b']]);
  });

  it('a forced flush clears the timer; an empty flush does nothing', () => {
    // Prepare
    const { clock, flushed, add, buffer } = setup(1_000, 10_000);
    add('a');

    // Act
    buffer.flush();
    buffer.flush();
    clock.advance(20_000);

    // Assess
    expect(flushed.map((f) => [f.items, f.reason])).toEqual([[['a'], 'forced']]);
    expect(clock.pending()).toBe(0);
  });

  it('take() returns the contents without flushing and clears the timer', () => {
    // Prepare
    const { clock, flushed, add, buffer } = setup(1_000, 10_000);
    add('a', 'b');

    // Act
    const taken = buffer.take();

    // Assess
    expect(taken).toEqual(['a', 'b']);
    expect(flushed).toEqual([]);
    expect(clock.pending()).toBe(0);
    expect(buffer.byteLength).toBe(0);
    expect(buffer.startedAt).toBeUndefined();
  });

  it('reports when its current contents started', () => {
    // Prepare
    const { clock, add, buffer } = setup(1_000, 10_000);
    clock.advance(500);

    // Act
    add('a');
    clock.advance(100);
    add('b');

    // Assess
    expect(buffer.startedAt).toBe(500);
    expect(buffer.byteLength).toBe(2);
  });

  it.each([
    [{ maxBytes: 0, intervalMs: 1 }, /maxBytes must be > 0/],
    [{ maxBytes: Number.NaN, intervalMs: 1 }, /maxBytes must be > 0/],
    [{ maxBytes: 1, intervalMs: -1 }, /intervalMs must be >= 0/],
  ])('refuses limits %j', (limits, message) => {
    // Act / Assess
    expect(() => new SizeIntervalBuffer(limits, new ManualClock(), () => undefined)).toThrow(message);
  });
});

describe('ManualClock', () => {
  it('runs due timers in due order, including timers set by a callback inside the step', () => {
    // Prepare
    const clock = new ManualClock(1_000);
    const log: string[] = [];
    clock.setTimer(() => log.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => {
      log.push(`a@${clock.now()}`);
      clock.setTimer(() => log.push(`c@${clock.now()}`), 5);
    }, 10);
    const cleared = clock.setTimer(() => log.push('never'), 1);
    clock.clearTimer(cleared);

    // Act
    const ran = clock.advance(30);

    // Assess
    expect(log).toEqual(['a@1010', 'c@1015', 'b@1020']);
    expect(ran).toBe(3);
    expect(clock.now()).toBe(1_030);
  });
});
