/** `kpipe events [--out events] [--pipeline pipeline.yml] [--count 5] [--seed 42]`: writes sample events. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sampleEvents } from '../events/samples';
import { loadPipeline } from '../pipeline/load';
import { numberFlag, parseCommandArgs, seedFlag } from './usage';

export const USAGE = `usage: kpipe events [--out DIR] [--pipeline FILE] [--count N] [--seed N]

Writes Lambda sample events for every function (Kinesis plain / KPL / with bad records, Firehose
direct put / Kinesis source / CloudWatch Logs, S3 ObjectCreated) for \`sls invoke local -p\`.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: {
      out: { type: 'string', default: 'events' },
      pipeline: { type: 'string' },
      count: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const { config } = loadPipeline(values.pipeline);
  const events = sampleEvents(config, {
    count:
      values.count === undefined
        ? 5
        : numberFlag(
            'count',
            values.count,
            (value) => Number.isInteger(value) && value > 0,
            'a positive integer',
          ),
    seed: values.seed === undefined ? 42 : seedFlag(values.seed),
  });
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  for (const [name, event] of Object.entries(events)) {
    writeFileSync(join(out, name), `${JSON.stringify(event, null, 2)}\n`);
    console.log(`wrote ${join(values.out, name)}`);
  }
  return 0;
}
