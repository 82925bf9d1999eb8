/**
 * SIGKILL of `kpipe local --follow` while the delivery stream holds records in its buffers (60 s interval),
 * then a restart over the persisted state: every record in the stream is in the Firehose path's S3 output
 * (raw objects or the error prefix), because the source position had not moved past what was only buffered.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createKinesisClient, createS3Client } from '../../../lib/aws/clients';
import { deaggregate } from '../../../lib/records';
import { localOverrides, startKinesalite, startS3rver } from '../support/emulators';

const STREAM = 'clickstream-events';
const BUCKET_NAMES = ['raw/', 'errors/'];

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function kpipe(args: string[]): Run {
  const child = spawn(process.execPath, [resolve('bin/kpipe.js'), 'local', ...args], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of table) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

/**
 * event_id of every user record in the stream, from TRIM_HORIZON of every shard, and how many are heartbeats
 * (pipeline.yml's transform filter drops those: the transformer returns them Dropped, so no object holds them).
 */
async function streamIds(
  kinesis: KinesisClient,
): Promise<{ ids: Set<string>; heartbeats: number; total: number }> {
  const ids = new Set<string>();
  let heartbeats = 0;
  let total = 0;
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: STREAM }));
  for (const shard of Shards) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: STREAM,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (;;) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) {
        const data = Buffer.from(record.Data ?? new Uint8Array());
        const split = deaggregate(data);
        const users = split.ok && split.aggregated ? split.records.map((user) => user.data) : [data];
        for (const user of users) {
          const value = JSON.parse(user.toString('utf8')) as { event_id: string; event_type: string };
          total += 1;
          if (value.event_type === 'heartbeat') heartbeats += 1;
          else ids.add(value.event_id);
        }
      }
      if (!page.NextShardIterator || (page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return { ids, heartbeats, total };
}

/** event_id of every record in the Firehose path's objects (data under raw/, documents under errors/). */
async function firehoseIds(s3: S3Client, bucket: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const prefix of BUCKET_NAMES) {
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
        const body = await (
          response.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray();
        for (const line of gunzipSync(body).toString('utf8').trimEnd().split('\n')) {
          const value = JSON.parse(line) as { event_id?: string; rawData?: string };
          const record =
            value.rawData === undefined
              ? value
              : (JSON.parse(Buffer.from(value.rawData, 'base64').toString('utf8')) as { event_id?: string });
          if (record.event_id) ids.add(record.event_id);
        }
      }
      token = page.NextContinuationToken;
    } while (token);
  }
  return ids;
}

it('loses no buffered record when kpipe is killed with SIGKILL and restarted on its state', async () => {
  // Prepare: a --follow run generates for a few seconds; its delivery stream buffers for 60 s.
  const stateDir = mkdtempSync(join(tmpdir(), 'kpipe-kill-'));
  const first = kpipe(['--follow', '--rate', '300', '--invalid-ratio', '0', '--state-dir', stateDir]);
  await until(() => /generated [1-9]/.test(first.stderr()), 60_000, 'the first run to generate');
  await delay(5_000);

  // Act 1: SIGKILL; stop the emulators it leaves behind (they keep their data, as after a kill of the host).
  const orphans = descendants(first.child.pid!);
  first.child.kill('SIGKILL');
  await first.exit;
  for (const pid of orphans) if (alive(pid)) process.kill(pid, 'SIGTERM');
  await until(() => orphans.every((pid) => !alive(pid)), 30_000, 'the orphaned emulators to stop');

  // Act 2: restart on the same state, let it read and deliver, stop it with Ctrl-C (which flushes).
  const second = kpipe(['--follow', '--rate', '50', '--invalid-ratio', '0', '--state-dir', stateDir]);
  await until(() => /generated [1-9]/.test(second.stderr()), 60_000, 'the second run to generate');
  await delay(3_000);
  second.child.kill('SIGINT');
  expect(await second.exit).toBe(0);

  // Assess: reopen the persisted stream and bucket.
  const kinesisEmulator = await startKinesalite({ path: join(stateDir, 'state', 'kinesalite') });
  const s3Emulator = await startS3rver({ directory: join(stateDir, 'state', 's3') });
  const kinesis = createKinesisClient({ env: {}, overrides: localOverrides(kinesisEmulator.endpoint) });
  const s3 = createS3Client({ env: {}, overrides: localOverrides(s3Emulator.endpoint) });
  try {
    const inStream = await streamIds(kinesis);
    const delivered = await firehoseIds(s3, 'kpipe-local');
    const lost = [...inStream.ids].filter((id) => !delivered.has(id));
    expect(inStream.total).toBeGreaterThan(500);
    expect(lost).toEqual([]);
    // Nothing reached S3 in the first run (60 s buffers), so the restart re-read every record the first run
    // had not settled; the first run can only have settled (and checkpointed past) heartbeats it dropped.
    const firehose = /firehose +([\d,]+) in, [\d,]+ transformed, [\d,]+ delivered .*, ([\d,]+) dropped/.exec(
      second.stdout(),
    );
    const count = (text: string | undefined) => Number(text?.replaceAll(',', ''));
    const [reRead, reDropped] = [count(firehose?.[1]), count(firehose?.[2])];
    expect(reRead).toBeLessThanOrEqual(inStream.total);
    expect(inStream.total - reRead).toBe(inStream.heartbeats - reDropped);
  } finally {
    kinesis.destroy();
    s3.destroy();
    await kinesisEmulator.stop();
    await s3Emulator.stop();
  }
}, 240_000);
