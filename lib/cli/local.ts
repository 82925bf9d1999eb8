/**
 * `kpipe local [pipeline.yml]` (and `npm start`): runs the pipeline on this machine against a Kinesis
 * emulator (kinesalite or kinesis-mock) and s3rver, prints a reconciled summary and exits non-zero when the
 * numbers do not add up.
 */
import { dirname, relative } from 'node:path';
import { defaultPipelineFile, loadPipeline, refuseWarnings, type LoadedPipeline } from '../pipeline/load';
import { DEFAULT_STATE_DIR, exampleQuery } from '../lake/query';
import { LocalRunError, runLocalPipeline, type LocalProgress, type LocalRunSummary } from '../local/runtime';
import { localConverter } from '../local/converter';
import { DEFAULT_KINESIS_EMULATOR, isKinesisEmulatorName, KINESIS_EMULATORS } from '../local/emulators';
import { startRunConsole, type RunConsole } from '../console/server/for-run';
import { createLiveChannel } from '../local/live';
import { EmulatorDownError } from '../local/emulator-watch';
import { resentText } from '../generator/progress';
import { counted, formatInteger } from '../text/count';
import { integerFlag, numberFlag, parseCommandArgs, seedFlag, UsageError } from './usage';

export const USAGE = `usage: kpipe local [pipeline.yml] [options]

Runs the whole pipeline locally: a Kinesis emulator and s3rver on free loopback ports, the stream consumer
behind an emulated event source mapping, the Firehose transformer, dynamic partitioning and the Parquet
converter behind an emulated delivery stream. Generates sample records (with a share of bad ones), drains
every stage, mirrors the bucket to disk and reconciles every record.

  --count <n>            records to generate (default 2000)
  --invalid-ratio <0..1> share of bad records: not JSON, schema violations, oversize (default 0.05)
  --rate <n>             records per second (default: as fast as the emulator takes them)
  --producers <n>        concurrent PutRecords producers (default 4: kinesalite takes more in parallel;
                         kinesis-mock serves one request at a time, so more than 2 only queue there)
  --template <name|file> generator template (default: the shipped one written for the pipeline's
                         record schema; cloudwatch-logs payloads for a cloudwatch-logs delivery input)
  --strict               refuse pipeline.yml warnings (such as yyyy-mm-dd: minutes for months) as errors
  --seed <n>             reproducible data
  --follow               keep generating and running until Ctrl-C (state persists in the state dir)
  --console-port <n>     port of the local console (default: a free one); it listens on 127.0.0.1 only and
                         its URL, printed at start, carries this run's token. In a terminal the console
                         stays up after a bounded run's summary until Ctrl-C; in a pipe the command exits
  --no-console           do not serve the console
  --state-dir <dir>      checkpoints, dead letters, emulator data, the run's log and the mirrored lake
                         (default .local; one run at a time per folder)
  --kinesis-emulator <kinesalite|kinesis-mock>   Kinesis emulator to start (default kinesalite: thousands
                         of records/s; kinesis-mock: a few hundred, more of the API)
  --kinesis-endpoint <url>, --s3-endpoint <url>   use running emulators instead of starting them

Exit status: 0 the run did its job and every record is accounted for; 1 it did not (a FAIL line, a stage
that received nothing, a path where every record ended in errors, an UNDELIVERED line: records failed,
lost or only in dead letters, by path); 130 stopped by Ctrl-C or SIGTERM before its
count (what was generated is still drained and reconciled); 3 an emulator died or stopped answering (found
within 10 s; the run stops and prints what was in flight; --follow restarts its own instead). Ctrl-C twice
stops at once.`;

/** Exit status of a run stopped by Ctrl-C (or SIGTERM) before its count (128 + SIGINT, as shells report it). */
export const INTERRUPTED_EXIT = 130;
/** The signals that stop a run the way Ctrl-C does: generation stops, what was generated is drained. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** Exit status of a run stopped because an emulator died or stopped answering. */
export const EMULATOR_DOWN_EXIT = 3;

/** What a run stopped by a dead emulator prints instead of its summary. */
export function formatEmulatorDown(error: EmulatorDownError): string {
  return [
    '',
    `kpipe local — stopped: ${error.down.name} ${error.down.cause}`,
    'in flight when it stopped (not reconciled):',
    ...error.inFlight.map((line) => `  ${line}`),
    '',
    error.down.line.replace(/^kpipe: /, ''),
  ].join('\n');
}

/**
 * The numeric flags, all checked before anything starts: a mistyped number should not wait for the pipeline,
 * the console or the emulators.
 */
function numericOptions(
  values: Partial<Record<'count' | 'rate' | 'invalid-ratio' | 'producers' | 'seed' | 'console-port', string>>,
) {
  const read = <T>(text: string | undefined, parse: (text: string) => T) =>
    text === undefined ? undefined : parse(text);
  const whole = (name: string, min: number, max: number) => (text: string) =>
    integerFlag(name, text, min, max);
  const number = (name: string, min: number, max: number) => (text: string) =>
    numberFlag(name, text, (value) => value >= min && value <= max, `a number from ${min} to ${max}`);
  return {
    count: read(values.count, whole('count', 1, 10_000_000)) ?? 2000,
    ratePerSecond: read(values.rate, number('rate', 1, 1_000_000)),
    invalidRatio: read(values['invalid-ratio'], number('invalid-ratio', 0, 1)) ?? 0.05,
    producers: read(values.producers, whole('producers', 1, 64)) ?? 4,
    seed: read(values.seed, seedFlag),
    // 0: a free port.
    consolePort: read(values['console-port'], whole('console-port', 1, 65535)) ?? 0,
  };
}

/**
 * stderr as a status line and notes: on a terminal the progress line is cut to its width and redrawn in
 * place, and each note (a warning, "stopping…") goes above it on a line of its own; elsewhere progress is
 * printed every 2 s.
 */
export function createTerminal(stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY === true;
  let shown = '';
  let lastPlain = 0;
  const fit = (line: string) => {
    const width = Math.max(20, (stream.columns || 80) - 1);
    return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
  };
  const draw = () => stream.write(`\r\x1b[2K${shown}`);
  return {
    status(line: string) {
      if (tty) {
        shown = fit(line);
        draw();
      } else if (Date.now() - lastPlain >= 2000) {
        lastPlain = Date.now();
        stream.write(`${line}\n`);
      }
    },
    note(line: string) {
      if (!tty) return void stream.write(`${line}\n`);
      stream.write(`\r\x1b[2K${fit(line)}\n`);
      if (shown) draw();
    },
    /** Leaves the last status line on screen and moves below it. */
    done() {
      if (tty && shown) stream.write('\n');
      shown = '';
    },
  };
}

function progressLine(progress: LocalProgress): string {
  const generated = progress.generated;
  const consumer = progress.consumer;
  const firehose = progress.firehose;
  return [
    `generated ${formatInteger(generated?.acknowledged ?? 0)}`,
    consumer
      ? `consumed ${formatInteger(consumer.records)} (${counted(consumer.batches, 'batch', 'batches')})`
      : '',
    firehose
      ? `firehose in ${formatInteger(firehose.recordsIn)} → ${formatInteger(firehose.delivered)} delivered, ` +
        `${formatInteger(firehose.errorOutput)} errors, ${counted(firehose.objects, 'object')}`
      : '',
    `parquet ${counted(progress.converted.rows, 'row')}`,
  ]
    .filter(Boolean)
    .join(' | ');
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length === 0
    ? 'none'
    : entries.map(([key, value]) => `${key} ${formatInteger(value)}`).join(', ');
}

function verdict(summary: LocalRunSummary): string {
  const { reconciliation } = summary;
  const accounted = reconciliation.skipped
    ? 'not reconciled'
    : reconciliation.ok
      ? 'every generated record is accounted for'
      : 'the numbers do NOT add up: see the FAIL lines above';
  if (summary.undelivered.length > 0) {
    return `records were lost or NOT delivered (see UNDELIVERED above); ${accounted}.`;
  }
  if (summary.interrupted) return `interrupted before its count: ${accounted}.`;
  if (!reconciliation.ok) return `${accounted}.`;
  if (summary.problems.length > 0)
    return `the run did NOT do its job (see PROBLEM above), although ${accounted}.`;
  return `${accounted}.`;
}

/** 0 the run did its job; 1 it did not or left records undelivered; INTERRUPTED_EXIT stopped before its count. */
export function exitCode(summary: LocalRunSummary): number {
  if (!summary.reconciliation.ok || summary.undelivered.length > 0) return 1;
  if (summary.interrupted) return INTERRUPTED_EXIT;
  return summary.problems.length > 0 ? 1 : 0;
}

/** The summary's `try:` line: `kpipe query` over this run's lake, with the flags this run needs. */
export function tryCommand(summary: LocalRunSummary, cwd: string, pipeline?: LoadedPipeline): string {
  // A path a shell would split or expand goes in single quotes.
  const word = (text: string) => (/^[\w./=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);
  const stateDir = relative(cwd, dirname(summary.lakeDirectory)) || '.';
  const flags = [
    stateDir === DEFAULT_STATE_DIR ? '' : ` --state-dir ${word(stateDir)}`,
    pipeline === undefined || pipeline.file === defaultPipelineFile()
      ? ''
      : ` --pipeline ${word(relative(cwd, pipeline.file))}`,
  ].join('');
  const sql = pipeline ? exampleQuery(pipeline.config) : 'SELECT count(*) AS records FROM lake';
  return `npx kpipe query${flags} "${sql}"`;
}

export function formatSummary(
  summary: LocalRunSummary,
  cwd = process.cwd(),
  pipeline?: LoadedPipeline,
): string {
  const { generated, consumer, firehose, converted, reconciliation, times } = summary;
  const lines = [
    '',
    `kpipe local — summary (Kinesis emulator: ${summary.emulator})`,
    `  generated   ${counted(generated.attempted, 'record')}, ${formatInteger(generated.acknowledged)} acknowledged by ${summary.target}, ${formatInteger(generated.failed)} failed (${counts(Object.fromEntries(Object.entries(generated.byKind).map(([kind, value]) => [kind, value.acknowledged])))})`,
  ];
  if (generated.resent > 0) lines.push(`              ${resentText(generated)}`);
  if (consumer.mapping) {
    lines.push(
      `  consumer    ${counted(consumer.mapping.records, 'record')} in ${counted(consumer.batches, 'batch', 'batches')}, ${formatInteger(consumer.delivered)} delivered, dropped: ${counts(consumer.dropped)}, failed: ${counts(consumer.failed)}`,
      `              re-delivered ${formatInteger(consumer.mapping.redeliveredRecords)}, retries ${formatInteger(consumer.mapping.retries)}, dead-lettered batches ${formatInteger(consumer.mapping.deadLetterBatches)}`,
    );
  }
  if (firehose) {
    lines.push(
      `  firehose    ${formatInteger(firehose.recordsIn)} in, ${formatInteger(firehose.ok)} transformed, ${formatInteger(firehose.delivered)} delivered in ${counted(firehose.objects, 'object')}, ${formatInteger(firehose.dropped)} dropped, ${formatInteger(firehose.errorOutput)} to the error prefix`,
    );
  }
  lines.push(
    `  parquet     ${counted(converted.objects, 'object')} converted, ${counted(converted.rows, 'row')}, ${counted(converted.errors, 'conversion error')}` +
      (converted.failedObjects > 0 ? `, ${counted(converted.failedObjects, 'object')} given up on` : ''),
  );
  for (const [path, errors] of Object.entries(reconciliation.errors)) {
    lines.push(`  errors      ${path}: ${counts(errors)}`);
  }
  lines.push('', 'reconciliation');
  if (reconciliation.skipped) lines.push(`  ${reconciliation.skipped}`);
  for (const check of reconciliation.checks) {
    lines.push(
      `  ${check.ok ? 'ok ' : 'FAIL'} ${check.name}: expected ${formatInteger(check.expected)}, found ${formatInteger(check.actual)} (${counts(check.parts)})`,
    );
  }
  const lake = relative(cwd, summary.lakeDirectory) || '.';
  lines.push(
    '',
    `the bucket is mirrored to ${lake}/ (the Parquet lake, raw objects and every error output)`,
    `time: start ${times.startMs} ms, generate ${times.generateMs} ms, drain ${times.drainMs} ms, mirror ${times.mirrorMs} ms`,
  );
  if (reconciliation.lakeGlob) {
    lines.push(
      `lake rows (DuckDB): ${reconciliation.lakeRows === undefined ? 'not counted (@duckdb/node-api not installed)' : formatInteger(reconciliation.lakeRows)}`,
      'try:',
      `  ${tryCommand(summary, cwd, pipeline)}`,
    );
  }
  lines.push('');
  for (const problem of summary.problems) lines.push(`PROBLEM ${problem}`);
  for (const line of summary.undelivered) lines.push(`UNDELIVERED ${line}`);
  lines.push(verdict(summary));
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    allowPositionals: true,
    options: {
      count: { type: 'string' },
      'invalid-ratio': { type: 'string' },
      rate: { type: 'string' },
      producers: { type: 'string' },
      template: { type: 'string' },
      seed: { type: 'string' },
      follow: { type: 'boolean', default: false },
      'state-dir': { type: 'string' },
      // The former name of --state-dir.
      'work-dir': { type: 'string' },
      'kinesis-emulator': { type: 'string', default: DEFAULT_KINESIS_EMULATOR },
      'kinesis-endpoint': { type: 'string' },
      's3-endpoint': { type: 'string' },
      strict: { type: 'boolean', default: false },
      'console-port': { type: 'string' },
      'no-console': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`one pipeline file at most, got ${positionals.join(' ')}`);
  const emulator = values['kinesis-emulator'];
  if (!isKinesisEmulatorName(emulator)) {
    throw new UsageError(
      `--kinesis-emulator must be one of ${KINESIS_EMULATORS.join(', ')}, got "${emulator}"`,
    );
  }
  const numbers = numericOptions(values);
  const pipeline = loadPipeline(positionals[0]);
  if (values.strict) refuseWarnings(pipeline);
  for (const warning of pipeline.warnings)
    console.error(`kpipe: warning: ${warning} (--strict makes this an error)`);
  // The sample pipeline masks emails with a salt from the environment; a local run needs no secret.
  const env = { ...process.env, MASK_SALT: process.env.MASK_SALT ?? 'kpipe-local-salt' };
  const controller = new AbortController();
  const terminal = createTerminal();
  const live = createLiveChannel();
  let phase = 'starting';
  // First Ctrl-C (or SIGTERM, as a process manager or `docker stop` sends): stop generating, say what the run
  // still does, finish with the summary. Second: stop now (the emulators die with this process: each watches
  // its stdin, a pipe from it; emulator-watch.ts).
  const interrupt = (signal: (typeof STOP_SIGNALS)[number]) => {
    const by = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    if (controller.signal.aborted) {
      terminal.note(`stopped at once (second ${by}): nothing drained, not reconciled`);
      process.exit(INTERRUPTED_EXIT);
    }
    controller.abort();
    // Interrupted while generating, the next step is the drain the runtime announces as its next phase.
    const now = phase === 'generating records' ? 'finishing what was generated' : phase;
    const on = signal === 'SIGINT' ? '' : ` on ${signal}`;
    terminal.note(`stopping${on}: generation stopped; now ${now}… (Ctrl-C again to stop at once)`);
  };
  // One handler per signal, bound to its name (an in-process emit passes none).
  const onStop = STOP_SIGNALS.map((signal) => [signal, () => interrupt(signal)] as const);
  for (const [signal, handler] of onStop) process.on(signal, handler);
  let console_: RunConsole | undefined;
  try {
    const stateDir = values['state-dir'] ?? values['work-dir'] ?? DEFAULT_STATE_DIR;
    if (!values['no-console']) {
      console_ = await startRunConsole({
        live,
        config: pipeline.config,
        stateDir,
        port: numbers.consolePort,
        endpoints: { kinesis: values['kinesis-endpoint'], s3: values['s3-endpoint'] },
      }).catch((error: Error) => {
        terminal.note(
          `kpipe: console not started: ${error.message} (the run goes on; --no-console hides this)`,
        );
        return undefined;
      });
      if (console_) terminal.note(`console: ${console_.url}`);
    }
    const summary = await runLocalPipeline({
      pipeline,
      workDir: stateDir,
      live,
      count: numbers.count,
      follow: values.follow,
      ratePerSecond: numbers.ratePerSecond,
      invalidRatio: numbers.invalidRatio,
      producers: numbers.producers,
      template: values.template,
      seed: numbers.seed,
      kinesisEmulator: emulator,
      endpoints: { kinesis: values['kinesis-endpoint'], s3: values['s3-endpoint'] },
      converter: localConverter(pipeline),
      env,
      signal: controller.signal,
      onProgress: (progress) => terminal.status(progressLine(progress)),
      onWarning: (line) => terminal.note(line),
      onPhase: (name) => {
        phase = name;
        if (controller.signal.aborted) terminal.note(`stopping: ${name}…`);
      },
    }).catch((error: unknown) => {
      if (error instanceof EmulatorDownError) throw error;
      // The phase it failed in: by now the runtime has moved on to stopping the emulators.
      const failed = error instanceof LocalRunError ? error : new LocalRunError(phase, error);
      throw new Error(
        `the run failed while ${failed.phase}: ${describeFailure(failed.cause)}; what it wrote is kept in ${stateDir}`,
        { cause: error },
      );
    });
    terminal.done();
    console.log(formatSummary(summary, process.cwd(), pipeline));
    console_?.runEnded();
    if (console_ && process.stdout.isTTY && !controller.signal.aborted) {
      for (const [signal, handler] of onStop) process.removeListener(signal, handler);
      console.log(`\nthe console stays up at ${console_.url} (the lake as mirrored above); Ctrl-C closes it`);
      await new Promise<void>((resolve) => {
        const close = () => {
          for (const signal of STOP_SIGNALS) process.removeListener(signal, close);
          resolve();
        };
        for (const signal of STOP_SIGNALS) process.once(signal, close);
      });
    }
    return exitCode(summary);
  } catch (error) {
    if (!(error instanceof EmulatorDownError)) throw error;
    terminal.done();
    console.log(formatEmulatorDown(error));
    // A request to the dead emulator may still hold the event loop: the status is known, leave.
    setTimeout(() => process.exit(EMULATOR_DOWN_EXIT), 2_000).unref();
    return EMULATOR_DOWN_EXIT;
  } finally {
    terminal.done();
    for (const [signal, handler] of onStop) process.removeListener(signal, handler);
    await console_?.close();
  }
}

/** An error as one line: an AWS error also names its code and HTTP status (S3's InternalError says little). */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = status === undefined ? '' : `${error.name} (HTTP ${status}) from the emulator: `;
  return `${code}${error.message}`;
}
