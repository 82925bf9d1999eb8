/**
 * `kpipe generate`: the Kinesis Data Generator as a command. Templates and rate control live in
 * lib/generator; this file plugs in the AWS senders (only failed entries retried, bounded) and the
 * process concerns: Ctrl-C, exit code, usage errors.
 */
import {
  createAggregatingKinesisSink,
  createFirehoseSink,
  createKinesisSink,
  formatReport,
  GENERATE_USAGE,
  parseGenerateArgs,
  runGenerate,
  TemplateError,
  type GenerateRunDependencies,
} from '../generator';
import { formatFailures } from '../generator/run';
import { createFirehoseClient, createKinesisClient } from '../aws/clients';
import { aggregate } from '../records';
import { putRecordBatchReliably } from '../sinks/firehose';
import { putRecordsReliably } from '../sinks/kinesis';
import { putTimeoutFor } from '../sinks/put-timeouts';

/** Senders for real streams: AWS by default, emulators through AWS_ENDPOINT_URL_KINESIS / _FIREHOSE. */
export function awsSinks(): Pick<GenerateRunDependencies, 'kinesisSink' | 'firehoseSink'> {
  return {
    kinesisSink: ({ streamName }, { aggregate: aggregated }) => {
      const client = createKinesisClient();
      const put = (entries: Parameters<typeof putRecordsReliably>[2]) =>
        putRecordsReliably(client, { streamName }, entries, { timeout: putTimeoutFor(undefined) });
      const close = async () => client.destroy();
      return aggregated
        ? createAggregatingKinesisSink(put, (entries) => aggregate(entries), { close })
        : createKinesisSink(put, { close });
    },
    firehoseSink: ({ deliveryStreamName }) => {
      const client = createFirehoseClient();
      return createFirehoseSink((records) => putRecordBatchReliably(client, deliveryStreamName, records), {
        close: async () => client.destroy(),
      });
    },
  };
}

export const USAGE = `usage: ${GENERATE_USAGE}`;

/** Usage errors (UsageError from parseGenerateArgs) are printed with USAGE by main.ts, exit 2. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    const options = parseGenerateArgs(argv);
    const report = await runGenerate(options, { ...awsSinks(), signal: controller.signal });
    if (options.quiet) console.error(formatReport(report));
    if (report.failures.length > 0) {
      console.error(
        `kpipe generate: first error of each kind:\n${formatFailures(report.failures).join('\n')}`,
      );
    }
    return report.failed > 0 || report.aborted ? 1 : 0;
  } catch (error) {
    if (error instanceof TemplateError) {
      console.error(`kpipe generate: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
}
