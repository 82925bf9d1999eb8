/**
 * `kpipe local` with a live channel: the graph of pipeline.yml, counters that end where the summary ends,
 * errors by reason with their last records, iterator age per shard, and the rows of each closed window.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localConverter } from '../../../lib/local/converter';
import { createLiveChannel } from '../../../lib/local/live';
import type { ErrorSample, LiveMessage, StageStatus, WindowMessage } from '../../../lib/local/live-types';
import { runLocalPipeline, type LocalRunSummary } from '../../../lib/local/runtime';
import { parsePipeline } from '../../../lib/pipeline/load';

const env = { ...process.env, MASK_SALT: 'live-salt', POWERTOOLS_LOG_LEVEL: 'ERROR' };

describe('kpipe local publishing on a live channel', () => {
  const channel = createLiveChannel();
  const messages: LiveMessage[] = [];
  let summary: LocalRunSummary;

  beforeAll(async () => {
    // One-second windows, so a short run closes several.
    const file = resolve('pipeline.yml');
    const text = readFileSync(file, 'utf8').replace(
      'tumblingWindowInSeconds: 60',
      'tumblingWindowInSeconds: 1',
    );
    const pipeline = parsePipeline(text, file);
    channel.subscribe((message) => messages.push(message));
    summary = await runLocalPipeline({
      pipeline,
      workDir: mkdtempSync(join(tmpdir(), 'kpipe-live-')),
      count: 3000,
      ratePerSecond: 1500,
      follow: false,
      invalidRatio: 0.1,
      invalidKinds: { 'not-json': 1, 'schema-violation': 1 },
      seed: 5,
      template: 'clickstream',
      producers: 2,
      converter: localConverter(pipeline),
      env,
      live: channel,
      onWarning: () => undefined,
    });
  }, 180_000);

  const last = (type: string) => messages.filter((message) => message.type === type).at(-1)!;

  it('draws the graph of pipeline.yml', () => {
    expect(channel.graph().nodes.map((node) => node.id)).toEqual(
      expect.arrayContaining(['stream', 'consumer', 'firehose', 'transformer', 'lake', 'windows']),
    );
  });

  it('publishes about once a second while it runs, and ends with counts equal to the summary', () => {
    const stages = messages.filter((message) => message.type === 'stages');
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const ended = stages.findIndex((message) => message.final);
    expect(ended).toBeGreaterThan(0);
    expect(stages.slice(ended).every((message) => message.final)).toBe(true);
    const final = Object.fromEntries(
      (last('stages').stages as StageStatus[]).map((stage) => [stage.id, stage]),
    );
    expect(final.generator!.out).toBe(summary.generated.acknowledged);
    expect(final.consumer).toMatchObject({
      in: summary.consumer.mapping!.recordsRead,
      out: summary.consumer.delivered,
      failed: Object.values(summary.consumer.failed).reduce((a, b) => a + b, 0),
    });
    expect(final.firehose).toMatchObject({
      in: summary.firehose!.recordsIn,
      out: summary.firehose!.delivered,
    });
    expect(final.lake!.in).toBe(summary.converted.rows);
    expect(final.windows!.in).toBe(summary.windows!.recordsRead);
    // Some record moved during the run: a rate above zero was published before the end.
    expect(
      stages.some((message) => (message.stages as StageStatus[]).some((s) => (s.inPerSecond ?? 0) > 0)),
    ).toBe(true);
  });

  it('counts errors by reason and keeps the last error records with their raw data', () => {
    const errors = last('errors');
    const byReason = errors.byReason as { stage: string; reason: string; count: number }[];
    for (const [reason, count] of Object.entries(summary.consumer.failed)) {
      expect(byReason).toContainEqual({ stage: 'consumer', reason, count });
    }
    const samples = errors.last as ErrorSample[];
    const consumer = samples.filter((sample) => sample.stage === 'consumer');
    const firehose = samples.filter((sample) => sample.stage === 'firehose');
    // The last 20 of each stage: the delivery stream's processing failures beside the consumer's.
    expect(consumer).toHaveLength(20);
    expect(firehose).toHaveLength(Math.min(20, summary.firehose!.errorOutput));
    expect(firehose.length).toBeGreaterThan(0);
    expect(new Set(firehose.map((sample) => sample.reason))).toEqual(
      new Set(['Lambda.ProcessingFailedStatus']),
    );
    for (const sample of samples) {
      expect(Buffer.byteLength(sample.rawData)).toBeLessThanOrEqual(512 * 3);
      expect(sample.truncated).toBe(sample.rawBytes > 512);
    }
    expect(consumer.map((sample) => sample.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/json|schema/)]),
    );
  });

  it('gives the iterator age of every shard of every mapping', () => {
    const mappings = last('shards').mappings as { stage: string; shards: { shardId: string }[] }[];
    expect(mappings.map((mapping) => mapping.stage).sort()).toEqual(['consumer', 'firehose', 'windows']);
    for (const mapping of mappings) expect(mapping.shards.length).toBeGreaterThanOrEqual(2);
  });

  it('shows the fill of each Firehose partition buffer while records wait in it', () => {
    const fills = messages
      .filter((message) => message.type === 'buffers')
      .flatMap((message) => message.buffers as { stage: string; partition: string; records: number }[]);
    const partitions = fills.filter((fill) => fill.stage === 'partition' && fill.records > 0);
    expect(partitions.length).toBeGreaterThan(0);
    expect(partitions[0]!.partition).toMatch(/event_type=/);
    expect(last('buffers').available).toBe(true);
  });

  it('publishes the rows of each window as it closes', () => {
    const windows = messages.filter((message): message is WindowMessage => message.type === 'window');
    expect(windows.length).toBeGreaterThanOrEqual(2);
    const counted = windows
      .flatMap((window) => window.rows)
      .reduce((total, row) => total + Number(row.events), 0);
    // Every valid, non-heartbeat record is in exactly one window's `events`.
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThanOrEqual(summary.consumer.delivered);
    for (const window of windows) {
      expect(Date.parse(window.windowEnd) - Date.parse(window.windowStart)).toBe(1000);
      for (const row of window.rows) expect(row).toHaveProperty('event_type');
    }
  });
});
