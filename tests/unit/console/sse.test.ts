import { createLiveQueue } from '../../../lib/console/server/sse';
import { createLiveChannel } from '../../../lib/local/live';

it('a page that never reads keeps at most `limit` messages and never slows the publisher', () => {
  const live = createLiveChannel();
  const queue = createLiveQueue(8);
  live.subscribe((message) => queue.push(message));
  const started = performance.now();
  for (let i = 0; i < 100_000; i += 1) live.publish({ type: 'error', at: i, i });
  const elapsed = performance.now() - started;

  expect(queue.size()).toBe(8);
  expect(queue.dropped()).toBe(100_000 - 8);
  expect(queue.take().map((message) => message.i)).toEqual([
    99_992, 99_993, 99_994, 99_995, 99_996, 99_997, 99_998, 99_999,
  ]);
  expect(elapsed).toBeLessThan(1000);
});

it('counters of one type coalesce to the latest; each window and error is kept', () => {
  const queue = createLiveQueue(100);
  queue.push({ type: 'stages', at: 1 });
  queue.push({ type: 'window', at: 2 });
  queue.push({ type: 'stages', at: 3 });
  queue.push({ type: 'window', at: 4 });

  expect(queue.take().map((message) => `${message.type}@${message.at}`)).toEqual([
    'window@2',
    'stages@3',
    'window@4',
  ]);
  expect(queue.dropped()).toBe(0);
  expect(queue.size()).toBe(0);
});

it('ready() waits for the next message', async () => {
  const queue = createLiveQueue();
  let woke = false;
  const waiting = queue.ready().then(() => (woke = true));
  await Promise.resolve();
  expect(woke).toBe(false);
  queue.push({ type: 'x', at: 1 });
  await waiting;
  expect(woke).toBe(true);
});
