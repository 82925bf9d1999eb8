/**
 * The summary of a bounded `kpipe local` run that did its job (100 records on the stream, 5 of them bad), for
 * tests of what lib/cli/local.ts prints and exits with. Only the counters the summary prints are filled in.
 */
import { join } from 'node:path';
import type { GenerateReport } from '../../lib/generator';
import type { FirehoseCounters } from '../../lib/local/firehose';
import type { LocalRunSummary } from '../../lib/local/runtime';
import type { MappingCounters } from '../../lib/local/esm-runtime';

export function localSummary(change: Partial<LocalRunSummary> = {}): LocalRunSummary {
  return {
    emulator: 'kinesalite',
    target: 'the stream',
    bucket: 'kpipe-local',
    lakeDirectory: join(process.cwd(), '.local', 'bucket'),
    generated: {
      attempted: 100,
      acknowledged: 100,
      failed: 0,
      resent: 0,
      resentUnconfirmed: 0,
      byKind: {
        valid: { attempted: 95, acknowledged: 95, failed: 0 },
        'not-json': { attempted: 5, acknowledged: 5, failed: 0 },
      },
      errors: {},
    } as unknown as GenerateReport,
    consumer: {
      batches: 4,
      delivered: 95,
      dropped: {},
      failed: { 'not-json': 5 },
      sinkErrors: 0,
      mapping: { records: 100, redeliveredRecords: 0, retries: 0, deadLetterBatches: 0 } as MappingCounters,
    },
    firehose: {
      recordsIn: 100,
      ok: 95,
      delivered: 95,
      objects: 2,
      dropped: 0,
      errorOutput: 5,
    } as FirehoseCounters,
    converted: { objects: 2, rows: 95, errors: 0, failedObjects: 0 },
    windows: undefined,
    reconciliation: {
      ok: true,
      checks: [
        {
          name: 'streamConsumer: every record delivered or in errors',
          expected: 100,
          actual: 100,
          parts: { delivered: 95, errors: 5 },
          ok: true,
        },
      ],
      errors: { consumer: { 'not-json': 5 } },
      lakeRows: 95,
      lakeGlob: '.local/bucket/lake/**/*.parquet',
    },
    interrupted: false,
    problems: [],
    undelivered: [],
    times: { startMs: 900, generateMs: 1200, drainMs: 3000, mirrorMs: 40 },
    ...change,
  };
}
