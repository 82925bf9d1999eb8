#!/usr/bin/env node
// `npm run soak [-- --minutes 30 --rate 100 --kinesis-emulator kinesalite]`: a long `kpipe local --follow` run
// that samples the memory of kpipe and of each emulator it started (RSS, and the V8 heap after a full
// collection through lib/local/memory-probe.cjs), the rate it holds, and, after Ctrl-C, how long it takes to
// stop and whether the lake lost or doubled a record (DuckDB, by event_id). The memory rule is in
// lib/local/memory-trend.cjs. Kept out of `npm test`: it runs for as long as asked. Exits 1 when any check fails.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run soak -- [--minutes 30] [--rate 100] [--kinesis-emulator kinesalite|kinesis-mock] [--sample-seconds 30]`;
let values;
try {
  ({ values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      rate: { type: 'string', default: '100' },
      'kinesis-emulator': { type: 'string', default: 'kinesalite' },
      'sample-seconds': { type: 'string', default: '30' },
    },
  }));
} catch (error) {
  console.error(`soak: ${error.message}\n${USAGE}`);
  process.exit(2);
}
const number = (name, min, max) => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < min || value > max) {
    console.error(`soak: --${name} must be a number from ${min} to ${max}, got "${values[name]}"\n${USAGE}`);
    process.exit(2);
  }
  return value;
};
const minutes = number('minutes', 0.5, 24 * 60);
const rate = number('rate', 1, 100_000);
const sampleSeconds = number('sample-seconds', 1, 600);
const emulator = values['kinesis-emulator'];
if (!['kinesalite', 'kinesis-mock'].includes(emulator)) {
  console.error(`soak: --kinesis-emulator must be kinesalite or kinesis-mock, got "${emulator}"\n${USAGE}`);
  process.exit(2);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { HEAP_LIMIT_MB_PER_MIN, RSS_LIMIT_MB_PER_MIN, composition, probeSeries, trend } = createRequire(
  import.meta.url,
)('../lib/local/memory-trend.cjs');
const stateDir = mkdtempSync(join(tmpdir(), 'kpipe-soak-'));
// Beside the state folder, not in it: the folder's size is one of the figures.
const probeFile = join(mkdtempSync(join(tmpdir(), 'kpipe-soak-memory-')), 'memory.jsonl');
const PROBE_MS = 10_000;
const STOP_BOUND_MS = 120_000;
const MB = 1024 * 1024;

/** Every process below `pid`, with the role its command line names, and its resident memory. */
function processTree(pid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name sits in parentheses and may hold spaces: the parent PID is the 2nd field after it.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone between readdir and read
    }
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index += 1) {
    for (const [child, parent] of parents) if (parent === tree[index]) tree.push(child);
  }
  const rss = {};
  for (const member of tree) {
    try {
      const cmdline = readFileSync(`/proc/${member}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const status = readFileSync(`/proc/${member}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const role =
        member === pid
          ? 'kpipe'
          : /kinesalite/.test(cmdline)
            ? 'kinesalite'
            : /s3rver/.test(cmdline)
              ? 's3rver'
              : /kinesis-local|kinesis-mock|java/.test(cmdline)
                ? 'kinesis-mock'
                : 'other';
      rss[role] = (rss[role] ?? 0) + kb * 1024;
    } catch {
      // exited
    }
  }
  return rss;
}

function directoryBytes(path) {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    total += entry.isDirectory() ? directoryBytes(full) : statSync(full).size;
  }
  return total;
}

/** The probe's series so far (kpipe, kpipe thread N, kinesalite), each [{ minute, heapMb }]. */
const heapSeries = () =>
  probeSeries(existsSync(probeFile) ? readFileSync(probeFile, 'utf8') : '', started, kpipe.pid);
/** The last heap figure of the series whose name starts with `owner` (kpipe: its threads summed). */
function heapNow(series, owner) {
  let total;
  for (const [name, points] of series) {
    if (name === owner || name.startsWith(`${owner} thread`)) total = (total ?? 0) + points.at(-1).heapMb;
  }
  return total;
}

console.log(
  `soak: kpipe local --follow at ${rate} records/s for ${minutes} min on ${emulator}; state in ${stateDir}`,
);
const started = Date.now();
const kpipe = spawn(
  process.execPath,
  [
    'bin/kpipe.js',
    'local',
    '--follow',
    '--no-console',
    '--rate',
    String(rate),
    '--kinesis-emulator',
    emulator,
    '--state-dir',
    stateDir,
  ],
  {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      KPIPE_MEMORY_PROBE: probeFile,
      KPIPE_MEMORY_PROBE_MS: String(PROBE_MS),
      // A preload reaches kpipe's worker threads too; kinesalite loads the probe itself (the variables reach it).
      NODE_OPTIONS:
        `${process.env.NODE_OPTIONS ?? ''} --require "${join(root, 'lib/local/memory-probe.cjs')}"`.trim(),
    },
  },
);
let stdout = '';
let stderrTail = '';
let generated = 0;
let lakeRows = 0;
kpipe.stdout.on('data', (chunk) => (stdout += chunk));
kpipe.stderr.on('data', (chunk) => {
  stderrTail = (stderrTail + chunk).slice(-20_000);
  for (const line of String(chunk).split('\n')) {
    const made = /generated ([\d,]+)/.exec(line);
    if (made) generated = Number(made[1].replaceAll(',', ''));
    const rows = /parquet ([\d,]+) rows/.exec(line);
    if (rows) lakeRows = Number(rows[1].replaceAll(',', ''));
  }
});
const exited = new Promise((resolve) => kpipe.on('exit', (code, signal) => resolve({ code, signal })));
let early;
exited.then((result) => (early ??= result));

const samples = [];
const HEAPS = ['kpipe', emulator];
const header =
  'minute  generated  rate/s  lake rows  ' +
  ['kpipe', emulator, 's3rver'].map((r) => `${r} MB`.padStart(14)).join('') +
  HEAPS.map((r) => `${r} heap`.padStart(16)).join('') +
  '  load';
console.log(header);
let previous = { at: started, generated: 0 };
while (Date.now() - started < minutes * 60_000 && early === undefined) {
  await new Promise((resolve) => setTimeout(resolve, sampleSeconds * 1000));
  if (early !== undefined) break;
  const now = Date.now();
  const rss = processTree(kpipe.pid);
  const series = heapSeries();
  const sample = {
    minute: (now - started) / 60_000,
    generated,
    lakeRows,
    rss,
    heap: Object.fromEntries(HEAPS.map((role) => [role, heapNow(series, role)])),
    load: loadavg()[0],
    rate: (generated - previous.generated) / ((now - previous.at) / 1000),
  };
  previous = { at: now, generated };
  samples.push(sample);
  console.log(
    `${sample.minute.toFixed(1).padStart(6)}  ${String(generated).padStart(9)}  ${sample.rate.toFixed(0).padStart(6)}  ${String(lakeRows).padStart(9)}  ` +
      ['kpipe', emulator, 's3rver'].map((role) => ((rss[role] ?? 0) / MB).toFixed(0).padStart(14)).join('') +
      HEAPS.map((role) => (sample.heap[role]?.toFixed(1) ?? '-').padStart(16)).join('') +
      sample.load.toFixed(1).padStart(6),
  );
}

const problems = [];
if (early !== undefined) {
  problems.push(
    `kpipe exited on its own after ${((Date.now() - started) / 60_000).toFixed(1)} min (code ${early.code}, signal ${early.signal})`,
  );
}
let stopMs = NaN;
let result = early;
if (early === undefined) {
  const interruptAt = Date.now();
  kpipe.kill('SIGINT');
  const timer = setTimeout(() => kpipe.kill('SIGKILL'), STOP_BOUND_MS);
  result = await exited;
  clearTimeout(timer);
  stopMs = Date.now() - interruptAt;
  if (result.signal === 'SIGKILL')
    problems.push(`kpipe did not stop within ${STOP_BOUND_MS / 1000} s of Ctrl-C`);
  else if (result.code !== 0 && result.code !== 130)
    problems.push(`kpipe exited ${result.code} after Ctrl-C`);
}

// Memory (lib/local/memory-trend.cjs): the slope over the second half of the run, for the V8 heap after a
// full collection of each thread (the live data; judged at HEAP_LIMIT_MB_PER_MIN) and for each process's RSS
// (judged at RSS_LIMIT_MB_PER_MIN). Too few points is reported, and fails: no verdict is not a pass.
const ranMinutes = samples.at(-1)?.minute ?? 0;
const verdicts = [];
const judge = (what, points, limit) => {
  const { peak, mbPerMinute, flat } = trend(points, ranMinutes, limit);
  const signed = `${mbPerMinute >= 0 ? '+' : ''}${mbPerMinute.toFixed(2)}`;
  verdicts.push(
    `${what}: peak ${peak.toFixed(1)} MB, ${signed} MB/min over the second half (flat: <= ${limit}) ${flat ? 'flat' : flat === false ? 'GROWS' : 'too few samples'}`,
  );
  if (flat === false) problems.push(`${what} grows ${signed} MB/min over the second half of the run`);
  if (flat === undefined) problems.push(`${what}: too few samples in the second half to judge`);
};
for (const [name, points] of heapSeries()) {
  judge(
    `${name} heap after GC`,
    points.map(({ minute, heapMb }) => [minute, heapMb]),
    HEAP_LIMIT_MB_PER_MIN,
  );
}
for (const role of ['kpipe', emulator, 's3rver']) {
  judge(
    `${role} RSS`,
    samples.map((sample) => [sample.minute, (sample.rss[role] ?? 0) / MB]),
    RSS_LIMIT_MB_PER_MIN,
  );
}
const loads = samples.map((sample) => sample.load);
const held = samples.slice(1).filter((sample) => sample.rate < 0.9 * rate);
if (samples.length > 1 && held.length > 0) {
  problems.push(
    `the rate fell under 90 % of ${rate}/s in ${held.length} of ${samples.length - 1} samples (lowest ${Math.min(...held.map((s) => s.rate)).toFixed(0)}/s)`,
  );
}

// The lake, counted by a tool we did not write: every row once.
const query = spawnSync(
  process.execPath,
  [
    'bin/kpipe.js',
    'query',
    '--state-dir',
    stateDir,
    '--format',
    'json',
    'SELECT count(*) AS rows, count(DISTINCT event_id) AS ids FROM lake',
  ],
  { cwd: root, encoding: 'utf8' },
);
let lake;
try {
  lake = JSON.parse(query.stdout.trim().split('\n')[0]);
} catch {
  problems.push(
    `kpipe query could not count the lake (exit ${query.status}): ${query.stderr.trim().split('\n')[0]}`,
  );
}
// --follow skips the run's own reconciliation (a resumed folder holds earlier runs); this folder is new, so
// the Firehose path must add up: everything acknowledged went in, and each record in came out once.
const count = (text) => Number(text.replaceAll(',', ''));
const acknowledged = /generated\s+[\d,]+ records, ([\d,]+) acknowledged/.exec(stdout)?.[1];
const firehose =
  /firehose\s+([\d,]+) in, [\d,]+ transformed, ([\d,]+) delivered in [\d,]+ objects, ([\d,]+) dropped, ([\d,]+) to the error prefix/.exec(
    stdout,
  );
if (acknowledged === undefined || firehose === null)
  problems.push('the summary has no generated or firehose line to check the lake against');
console.log('\nsoak result');
console.log(
  `  ran ${((Date.now() - started) / 60_000).toFixed(1)} min, ${generated} records acknowledged (${(generated / ((samples.at(-1)?.minute ?? 1) * 60)).toFixed(0)}/s)`,
);
console.log(
  `  load average (1 min) ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${availableParallelism()} cores`,
);
for (const line of verdicts) console.log(`  ${line}`);
console.log(
  `  stopped ${Number.isNaN(stopMs) ? 'on its own' : `${(stopMs / 1000).toFixed(1)} s after Ctrl-C`}, exit ${result.code ?? result.signal}`,
);
for (const [name, part] of composition(
  existsSync(probeFile) ? readFileSync(probeFile, 'utf8') : '',
  kpipe.pid,
)) {
  console.log(
    `  ${name} at its last probe: RSS ${part.rss.toFixed(0)} MB = V8 heaps ${part.reserved.toFixed(0)} MB reserved ` +
      `(${part.used.toFixed(0)} MB live) + external ${part.external.toFixed(0)} MB + ${part.other.toFixed(0)} MB code, stacks and malloc`,
  );
}
console.log(`  memory probe (every ${PROBE_MS / 1000} s, one JSON line per thread): ${probeFile}`);
console.log(`  state folder ${(directoryBytes(stateDir) / MB).toFixed(0)} MB: ${stateDir}`);
if (lake) {
  const duplicates = Number(lake.rows) - Number(lake.ids);
  console.log(`  lake: ${lake.rows} rows, ${lake.ids} distinct event_id (${duplicates} duplicate rows)`);
  if (duplicates > 0.001 * Number(lake.rows))
    problems.push(`${duplicates} duplicate rows in the lake (over 0.1 %)`);
  if (acknowledged !== undefined && firehose !== null) {
    const [, recordsIn, delivered, dropped, errorOutput] = firehose.map(count);
    console.log(
      `  firehose: ${recordsIn} in of ${count(acknowledged)} acknowledged; ${delivered} delivered, ${dropped} dropped, ${errorOutput} to the error prefix`,
    );
    if (recordsIn !== count(acknowledged))
      problems.push(
        `the delivery stream took in ${recordsIn} of ${count(acknowledged)} acknowledged records`,
      );
    if (delivered + dropped + errorOutput !== recordsIn)
      problems.push(
        `firehose: ${recordsIn - delivered - dropped - errorOutput} records in are neither delivered, dropped nor in the error prefix`,
      );
    if (Number(lake.ids) !== delivered)
      problems.push(`the lake holds ${lake.ids} distinct event_id for ${delivered} delivered records`);
  }
}
if (problems.length === 0) {
  console.log('\nsoak: ok');
} else {
  console.log(`\nsoak: FAILED\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  console.log(`\nkpipe's last output:\n${stdout.slice(-4000)}\n${stderrTail.slice(-4000)}`);
}
process.exit(problems.length === 0 ? 0 : 1);
