/**
 * `kpipe local`. The local runtime (emulated event source mapping and Firehose over kinesis-local and
 * s3rver) is not built yet; until it is, say so plainly instead of pretending.
 */
import { loadPipeline } from '../pipeline/load';

export async function run(argv: string[]): Promise<number> {
  const file = argv.find((arg) => !arg.startsWith('-'));
  const { config, file: path } = loadPipeline(file);
  console.log(
    [
      `kpipe local: pipeline "${config.name}" from ${path} is valid.`,
      '',
      'The local runtime is not built yet. When it is, this command will:',
      `  1. start kinesis-local and s3rver on free loopback ports and create stream "${config.stream.name}" (${config.stream.shards} shards);`,
      '  2. generate sample clickstream records (with a share of bad ones) and put them into the stream;',
      '  3. run the stream consumer through an emulated event source mapping, and the Firehose transformer,',
      '     dynamic partitioning and the Parquet converter through an emulated delivery stream;',
      '  4. print a reconciled summary and leave a partitioned Parquet lake on disk for DuckDB.',
      '',
      'Today you can run single functions on sample events: npx sls invoke local -f <function> -p events/<sample>.json',
    ].join('\n'),
  );
  return 0;
}
