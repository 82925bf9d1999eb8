import { writeFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  createMemorySink,
  generate,
  parseGenerateArgs,
  prepareGenerate,
  runGenerate,
  type LineStream,
} from '../../../lib/generator';

function capture(): LineStream & { text: () => string } {
  const chunks: Buffer[] = [];
  return {
    write: (chunk, callback) => {
      chunks.push(Buffer.from(chunk));
      callback();
      return true;
    },
    once: () => undefined,
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

const quietErr = { write: () => undefined };

describe('runGenerate', () => {
  it('writes seeded clickstream records to stdout, identical on a second run', async () => {
    // Prepare
    const argv = ['--count', '50', '--seed', '3', '--rate', '100000'];
    const [first, second] = [capture(), capture()];

    // Act
    const report = await runGenerate(parseGenerateArgs(argv), { stdout: first, stderr: quietErr });
    await runGenerate(parseGenerateArgs(argv), { stdout: second, stderr: quietErr });

    // Assess
    expect(report).toMatchObject({ attempted: 50, acknowledged: 50 });
    const lines = first.text().trimEnd().split('\n');
    expect(lines).toHaveLength(50);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ timestamp: '2025-01-01T00:00:00.000Z' });
    // The simulated clock steps as the rate would: 100,000/s is 0.01 ms per record.
    expect(JSON.parse(lines[49] as string).timestamp).toBe('2025-01-01T00:00:00.000Z');
    expect(second.text()).toBe(first.text());
  });

  it('prints progress and the summary on stderr', async () => {
    // Prepare
    const lines: string[] = [];

    // Act
    await runGenerate(parseGenerateArgs(['--count', '5', '--template', 'app-logs']), {
      stdout: capture(),
      stderr: { write: (text: string) => lines.push(text) },
    });

    // Assess
    expect(lines.at(-1)).toMatch(/^generate: 5 sent, 5 acknowledged, 0 failed/);
  });

  it('writes a file target and a template file with its schema', async () => {
    // Prepare
    const directory = mkdtempSync(join(tmpdir(), 'kpipe-run-'));
    try {
      writeFileSync(join(directory, 't.tpl'), '{"id":"{{string.uuid}}","n":{{random.number(9)}}}');
      writeFileSync(
        join(directory, 's.json'),
        JSON.stringify({ type: 'object', required: ['id', 'n'], properties: { n: { type: 'integer' } } }),
      );
      const options = parseGenerateArgs([
        '--template',
        't.tpl',
        '--schema',
        's.json',
        '--count',
        '60',
        '--seed',
        '1',
        '--invalid-ratio',
        '0.5',
        '--target',
        'file:out.jsonl',
        '--quiet',
      ]);

      // Act
      const report = await runGenerate(options, { cwd: directory, stderr: quietErr });

      // Assess
      expect(report.attempted).toBe(60);
      expect(report.byKind['schema-violation'].attempted).toBeGreaterThan(3);
      expect(readFileSync(join(directory, 'out.jsonl'), 'utf8').split('\n')).toHaveLength(61);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('hands Kinesis targets to the injected sink, with the aggregation flag', () => {
    // Prepare
    const sink = createMemorySink();
    const calls: unknown[] = [];

    // Act
    const { generateOptions } = prepareGenerate(
      parseGenerateArgs(['--target', 'kinesis:events', '--aggregate', '--count', '1']),
      {
        kinesisSink: (target, options) => {
          calls.push([target, options]);
          return sink;
        },
      },
    );

    // Assess
    expect(calls).toEqual([[{ streamName: 'events' }, { aggregate: true }]]);
    expect(generateOptions.sink).toBe(sink);
  });

  it("produces gzip'd CloudWatch Logs payloads", async () => {
    // Prepare
    const { generateOptions } = prepareGenerate(
      parseGenerateArgs(['--template', 'cloudwatch-logs', '--count', '3', '--seed', '1']),
    );
    const sink = createMemorySink();

    // Act
    await generate({ ...generateOptions, sink });

    // Assess
    expect(sink.records).toHaveLength(3);
    for (const { data } of sink.records) {
      expect(JSON.parse(gunzipSync(data).toString()).messageType).toBe('DATA_MESSAGE');
    }
  });

  it.each<[string, string[], RegExp]>([
    [
      'bad records in CloudWatch payloads',
      ['--template', 'cloudwatch-logs', '--invalid-ratio', '0.1'],
      /does not apply/,
    ],
    ['gzip on CloudWatch payloads', ['--template', 'cloudwatch-logs', '--gzip'], /gzip'd already/],
    ['a Kinesis target without a sender', ['--target', 'kinesis:s'], /not available/],
    ['a missing template', ['--template', 'nope.tpl'], /neither a shipped template/],
  ])('refuses %s before sending anything', (_name, argv, message) => {
    // Act / Assess
    expect(() => prepareGenerate(parseGenerateArgs(argv))).toThrow(message);
  });
});
