#!/usr/bin/env node
// `node bench/kinesalite-memory.mjs [--minutes 5] [--rate 300] [--bytes 300] [--retention-seconds 0]`:
// kinesalite-server.cjs alone (LevelDB under a temp folder), written at --rate records/s and read by one
// GetRecords poller per shard as the event source mapping reads, sampling the child's RSS and V8 heap
// (after a gc) and the LevelDB folder's size. Answers "what grows" without the whole pipeline; not in npm test.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setInterval, clearInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import {
  KinesisClient,
  CreateStreamCommand,
  DescribeStreamCommand,
  GetShardIteratorCommand,
  GetRecordsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    rate: { type: 'string', default: '300' },
    bytes: { type: 'string', default: '300' },
    shards: { type: 'string', default: '4' },
    'sample-seconds': { type: 'string', default: '15' },
    'server-env': { type: 'string', multiple: true, default: [] },
    'server-options': { type: 'string', default: '{}' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const shards = Number(values.shards);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const folder = mkdtempSync(join(tmpdir(), 'kinesalite-memory-'));
const env = { ...process.env, KINESALITE_PROBE_MS: String(Number(values['sample-seconds']) * 1000) };
for (const pair of values['server-env']) env[pair.split('=')[0]] = pair.slice(pair.indexOf('=') + 1);

const child = spawn(
  process.execPath,
  [
    '-r',
    join(root, 'bench/kinesalite-memory-probe.cjs'),
    join(root, 'lib/local/kinesalite-server.cjs'),
    JSON.stringify({ ...JSON.parse(values['server-options']), path: folder }),
  ],
  { stdio: ['pipe', 'pipe', 'pipe'], env },
);
const port = await new Promise((resolve, reject) => {
  child.stdout.once('data', (chunk) => resolve(JSON.parse(String(chunk)).port));
  child.once('exit', (code) => reject(new Error(`kinesalite exited ${code}`)));
});
let last = null;
child.stderr.setEncoding('utf8').on('data', (text) => {
  for (const line of text.split('\n')) {
    if (line.startsWith('PROBE ')) last = JSON.parse(line.slice(6));
    else if (line.trim()) process.stderr.write(`[kinesalite] ${line}\n`);
  }
});

const client = new KinesisClient({
  endpoint: `http://127.0.0.1:${port}`,
  region: 'us-east-1',
  requestHandler: new NodeHttpHandler(),
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
const StreamName = 'soak';
await client.send(new CreateStreamCommand({ StreamName, ShardCount: shards }));
await sleep(200);
const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName }));

const started = Date.now();
const end = started + minutes * 60_000;
let put = 0;
let got = 0;
const payload = randomBytes(Number(values.bytes));

async function writer() {
  const batch = Math.max(1, Math.round(rate / 10));
  for (let tick = 0; Date.now() < end; tick++) {
    const Records = Array.from({ length: batch }, (_, i) => ({ Data: payload, PartitionKey: `k${put + i}` }));
    await client.send(new PutRecordsCommand({ StreamName, Records }));
    put += batch;
    const due = started + ((tick + 1) * 1000 * batch) / rate;
    await sleep(Math.max(0, due - Date.now()));
  }
}
async function reader(ShardId) {
  let { ShardIterator } = await client.send(
    new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  while (Date.now() < end) {
    const out = await client.send(new GetRecordsCommand({ ShardIterator, Limit: 10000 }));
    got += out.Records.length;
    ShardIterator = out.NextShardIterator;
    if (!out.Records.length) await sleep(200);
  }
}
function folderBytes(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size;
  return total;
}
const mb = (n) => (n / 1048576).toFixed(1);
const rows = [];
console.log('min\tput\tgot\trss_MB\theapUsed_MB\texternal_MB\tdisk_MB\trssAnon_MB\trssFile_MB');
const sampler = setInterval(
  () => {
    if (!last) return;
    const row = [
      ((Date.now() - started) / 60000).toFixed(2),
      put,
      got,
      mb(last.rss),
      mb(last.heapUsed),
      mb(last.external),
      mb(folderBytes(folder)),
      mb(last.rssAnon),
      mb(last.rssFile),
    ];
    rows.push(row);
    console.log(row.join('\t'));
  },
  Number(values['sample-seconds']) * 1000,
);

await Promise.all([writer(), ...StreamDescription.Shards.map((s) => reader(s.ShardId))]);
clearInterval(sampler);
const half = rows.slice(Math.floor(rows.length / 2));
if (half.length > 1) {
  const [a, b] = [half[0], half[half.length - 1]];
  const dt = Number(b[0]) - Number(a[0]);
  console.log(
    `slope over the last half: rss ${((b[3] - a[3]) / dt).toFixed(2)} MB/min, heapUsed ${((b[4] - a[4]) / dt).toFixed(2)} MB/min, disk ${((b[6] - a[6]) / dt).toFixed(2)} MB/min, rssAnon ${((b[7] - a[7]) / dt).toFixed(2)} MB/min, rssFile ${((b[8] - a[8]) / dt).toFixed(2)} MB/min`,
  );
}
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
rmSync(folder, { recursive: true, force: true });
