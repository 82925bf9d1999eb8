/**
 * `kpipe query "<sql>"`: SQL over the Parquet lake and error outputs a `kpipe local` run mirrored to its
 * state folder. The views and the rules a query runs under are lib/lake/query.ts.
 */
import { loadPipeline } from '../pipeline/load';
import { FORMATS, formatResult, isFormat } from '../lake/format';
import { DEFAULT_STATE_DIR, lakeLayout, LakeQueryError, openLake } from '../lake/query';
import { parseCommandArgs, UsageError } from './usage';

export const USAGE = `usage: kpipe query "<sql>" [options]

Runs one read-only SQL statement (DuckDB) over the outputs of the last \`kpipe local\` run (\`npm start\`),
mirrored under its state folder. Views, so no globs are needed:
  lake             the curated Parquet lake; its hive partitions (such as event_type, dt) are columns
  raw              the raw objects Firehose delivered (JSON lines)
  errors           Firehose and conversion error outputs (JSON lines, with the file each came from)
  consumer, consumer_errors   what the stream consumer delivered and rejected
(a view exists when its folder holds files). Queries read only files under the state folder, cannot
change settings, write files or load extensions.

  --state-dir <dir>       the run's state folder (default .local, as kpipe local)
  --pipeline <file>       pipeline.yml naming the output folders (default pipeline.yml, or $PIPELINE_FILE)
  --format <table|json|csv>   table (default), one JSON object per row, or CSV with a header
  --max-rows <n>          rows to show at most (default 100)

Examples:
  kpipe query "SELECT event_type, count(*) AS events FROM lake GROUP BY ALL ORDER BY events DESC"
  kpipe query "DESCRIBE lake"
  kpipe query "SELECT errorCode, count(*) FROM errors GROUP BY ALL"

Exit status: 0 the query ran; 1 it did not (an SQL error, a refused statement, no lake yet); 2 usage.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    allowPositionals: true,
    options: {
      'state-dir': { type: 'string', default: DEFAULT_STATE_DIR },
      pipeline: { type: 'string' },
      format: { type: 'string', default: 'table' },
      'max-rows': { type: 'string', default: '100' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('no SQL given');
  if (positionals.length > 1) {
    throw new UsageError(
      `the SQL must be one argument, got ${positionals.length}: put it in double quotes (a shell expands a bare *)`,
    );
  }
  const format = values.format;
  if (!isFormat(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  const maxRows = Number(values['max-rows']);
  if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > 1_000_000) {
    throw new UsageError(`--max-rows must be a whole number from 1 to 1000000, got "${values['max-rows']}"`);
  }
  const stateDir = values['state-dir'];
  const layout = lakeLayout(loadPipeline(values.pipeline).config);
  let views = 'lake';
  try {
    const lake = await openLake(stateDir, layout);
    views = lake.views.map((view) => view.name).join(', ');
    for (const view of lake.unreadable) {
      views += `; no ${view.name} view: ${view.prefix} is not JSON lines DuckDB reads (${view.reason.split('\n')[0]})`;
    }
    try {
      const result = await lake.query(positionals[0]!, { maxRows });
      console.log(formatResult(result, format));
      if (format !== 'table' && result.truncated) {
        console.error(`kpipe query: first ${maxRows} rows written; there are more (--max-rows <n>)`);
      }
      return 0;
    } finally {
      lake.close();
    }
  } catch (error) {
    if (!(error instanceof LakeQueryError)) throw error;
    const hint =
      error.kind === 'sql'
        ? `\nthe views here: ${views} (\`kpipe query "DESCRIBE lake"\` lists the lake's columns)`
        : '';
    console.error(`kpipe query: ${error.message}${hint}`);
    return 1;
  }
}
