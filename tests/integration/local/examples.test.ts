/**
 * Every example pipeline runs with `kpipe local examples/<name>/pipeline.yml` as it is: its default
 * template fits it, records are delivered, the run reports no problem and reconciles.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localConverter } from '../../../lib/local/converter';
import { defaultTemplate, runLocalPipeline } from '../../../lib/local/runtime';
import { loadPipeline } from '../../../lib/pipeline/load';

const examples = readdirSync(resolve('examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

it('finds the examples', () => {
  expect(examples).toEqual(expect.arrayContaining(['cloudwatch-logs', 'opensearch', 'redshift', 'splunk']));
});

it.each(examples)(
  'runs examples/%s with its default template, delivers and reconciles',
  async (name) => {
    // Prepare
    const pipeline = loadPipeline(resolve('examples', name, 'pipeline.yml'));

    // Act
    const summary = await runLocalPipeline({
      pipeline,
      workDir: mkdtempSync(join(tmpdir(), `kpipe-example-${name}-`)),
      count: 120,
      follow: false,
      invalidRatio: 0.05,
      invalidKinds: { 'not-json': 1, 'schema-violation': 1 },
      seed: 5,
      producers: 2,
      converter: localConverter(pipeline),
      env: { ...process.env, MASK_SALT: 'examples-salt', POWERTOOLS_LOG_LEVEL: 'ERROR' },
      onWarning: () => undefined,
    });

    // Assess
    expect({ template: defaultTemplate(pipeline), problems: summary.problems }).toEqual({
      template: expect.any(String),
      problems: [],
    });
    expect(summary.generated.acknowledged).toBe(120);
    expect(summary.firehose!.recordsIn).toBeGreaterThan(0);
    expect(summary.firehose!.delivered).toBeGreaterThan(0);
    expect(summary.reconciliation.checks.filter((check) => !check.ok)).toEqual([]);
    expect(summary.reconciliation.ok).toBe(true);
  },
  90_000,
);
