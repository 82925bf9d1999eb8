/**
 * The messages between a local run and its producer thread: what is in the protocol passes, anything else
 * fails with the part that is wrong and what was received. One real thread shows the round trip.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseFromProducers, parseProducerJob, parseToProducers } from '../../../lib/local/producer-protocol';
import { PRODUCER_THREAD_ENTRY, produceInThread } from '../../../lib/local/run-producers';

const report = {
  attempted: 10,
  acknowledged: 10,
  failed: 0,
  bytes: 1000,
  resent: 0,
  resentUnconfirmed: 0,
  durationMs: 5,
  ratePerSecond: 2000,
  byKind: {
    valid: { attempted: 10, acknowledged: 10, failed: 0 },
    'not-json': { attempted: 0, acknowledged: 0, failed: 0 },
    'schema-violation': { attempted: 0, acknowledged: 0, failed: 0 },
    oversize: { attempted: 0, acknowledged: 0, failed: 0 },
  },
  errors: {},
};

describe('parseFromProducers', () => {
  it.each([
    [
      'progress',
      {
        type: 'progress',
        progress: { attempted: 1, acknowledged: 1, failed: 0, bytes: 9, elapsedMs: 3, inFlight: 0 },
      },
    ],
    ['done', { type: 'done', report, expected: { total: 10, byKind: { valid: 10 } } }],
    ['failed', { type: 'failed', name: 'TemplateError', message: 'bad template' }],
  ])('passes a %s message as it is', (_type, message) => {
    expect(parseFromProducers(message)).toEqual(message);
  });

  it.each([
    ['an unknown type', { type: 'hello' }, 'type'],
    ['no object at all', 'done', '(message)'],
    ['null', null, '(message)'],
    ['a negative count', { type: 'progress', progress: { attempted: -1 } }, 'progress.attempted'],
    [
      'a report without resent',
      { type: 'done', report: { ...report, resent: undefined }, expected: { total: 0, byKind: {} } },
      'report.resent',
    ],
    [
      'an unknown kind',
      { type: 'done', report, expected: { total: 1, byKind: { weird: 1 } } },
      'expected.byKind',
    ],
    ['an extra field', { type: 'failed', name: 'E', message: 'm', extra: 1 }, '(message)'],
  ])('refuses %s, naming the field and what was received', (_case, message, field) => {
    expect(() => parseFromProducers(message)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          new RegExp(
            `^producer thread protocol: a message from the producer thread is not valid \\(.*${field.replace(/[().]/g, '\\$&')}.*received `,
          ),
        ),
      }),
    );
  });

  it('shortens a long message it received', () => {
    expect(() => parseFromProducers({ type: 'x'.repeat(1000) })).toThrow(/…\. This is a bug in kpipe/);
  });
});

describe('parseToProducers and parseProducerJob', () => {
  it('passes stop and refuses anything else', () => {
    expect(parseToProducers({ type: 'stop' })).toEqual({ type: 'stop' });
    expect(() => parseToProducers({ type: 'go' })).toThrow(/a message to the producer thread is not valid/);
  });

  it('passes a job and refuses one without a template or with a bad endpoint', () => {
    const job = {
      template: 'clickstream',
      count: 5,
      concurrency: 2,
      stream: { name: 'clicks', endpoint: 'http://127.0.0.1:4567', emulator: 'kinesalite' },
    };
    expect(parseProducerJob(job)).toEqual(job);
    expect(() => parseProducerJob({ ...job, template: '' })).toThrow(
      /the producer job is not valid \(template:/,
    );
    expect(() => parseProducerJob({ ...job, stream: { ...job.stream, endpoint: 'nowhere' } })).toThrow(
      /stream\.endpoint/,
    );
    expect(() => parseProducerJob({ ...job, concurrency: 0 })).toThrow(/concurrency/);
  });
});

describe('the producer thread', () => {
  it('reports a bad job as an error naming the field, without sending anything', async () => {
    const worker = new Worker(PRODUCER_THREAD_ENTRY, { workerData: { template: 'clickstream' } });
    const message = await new Promise<unknown>((resolve) => worker.once('message', resolve));
    await worker.terminate();

    expect(parseFromProducers(message)).toMatchObject({
      type: 'failed',
      message: expect.stringContaining('the producer job is not valid (concurrency:'),
    });
  });

  it('fails the run with the template error before a thread starts', async () => {
    await expect(
      produceInThread({ template: 'no-such-template-anywhere', concurrency: 1, count: 1 }),
    ).rejects.toThrow(/no-such-template-anywhere/);
  });

  it('passes on the error of a thread that failed in produce', async () => {
    await expect(produceInThread({ template: 'clickstream', concurrency: 1, count: 1 })).rejects.toThrow(
      'produce: the job names no stream and no sink was given',
    );
  });

  it('rejects with what a thread sent outside the protocol', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'producer-thread-'));
    const entry = join(dir, 'speaks-otherwise.cjs');
    writeFileSync(entry, "require('node:worker_threads').parentPort.postMessage({ type: 'hello' });");
    try {
      await expect(
        produceInThread({ template: 'clickstream', concurrency: 1, count: 1 }, {}, entry),
      ).rejects.toThrow(/a message from the producer thread is not valid .*received \{"type":"hello"\}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects when a thread exits without reporting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'producer-thread-'));
    const entry = join(dir, 'silent.cjs');
    writeFileSync(entry, '');
    try {
      await expect(
        produceInThread({ template: 'clickstream', concurrency: 1, count: 1 }, {}, entry),
      ).rejects.toThrow('the producer thread exited (code 0) before it reported');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
