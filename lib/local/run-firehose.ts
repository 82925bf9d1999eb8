/**
 * The emulated Firehose delivery stream of a local run: read from the stream like Firehose (or fed by direct
 * put), the transformer invoked, raw objects written to the bucket and each one handed to the Parquet
 * converter, as S3 would invoke it asynchronously. Also the clients the functions get, all on emulators.
 */
import { join } from 'node:path';
import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { FirehoseTransformationResult, KinesisStreamEvent } from 'aws-lambda';
import type { AwsClients } from '../aws/clients';
import { s3ObjectCreatedEvent } from '../events/factories';
import { createFirehoseProcessor } from '../firehose';
import { KinesisEventSourceMapping } from './event-source-mapping';
import { createEmulatedFirehose, type EmulatedFirehose } from './firehose';
import { openSourceCheckpoints } from './firehose-source';
import { firehoseErrorInput } from './live-errors';
import { STAGE } from './live-graph';
import type { RunContext } from './run-context';
import type { RunEmulators } from './run-emulators';
import { sampleConversionErrors } from './run-live';
import { addConversion, runStartPosition, toSourceRecords } from './run-rules';
import { LOCAL_BUCKET } from './run-types';

/** S3 invokes a function asynchronously: a failed invocation is retried twice, then given up (on-failure). */
const ASYNC_INVOKE_ATTEMPTS = 3;

/** What the stages' functions and mappings are given. */
export interface StageDeps {
  kinesis: KinesisClient;
  /** Every client the functions get points at an emulator: a local run never reaches AWS. */
  clients: AwsClients;
  /** LATEST on an emulator of the user's own (runStartPosition). */
  fromRunStart: { startingPosition?: 'LATEST' };
}

export function stageDeps(context: RunContext, emulators: RunEmulators): StageDeps {
  const { kinesis, s3 } = emulators;
  return {
    kinesis,
    clients: {
      s3: () => s3,
      kinesis: () => kinesis,
      firehose: () => emulatedFirehoseClient(() => context.stages.firehose),
    },
    fromRunStart: runStartPosition(context.options),
  };
}

/**
 * A FirehoseClient whose PutRecordBatch goes to the emulated delivery stream (sinks, re-ingestion); any other
 * command, or another delivery stream, fails as AWS would fail it for a stream that does not exist.
 */
function emulatedFirehoseClient(target: () => EmulatedFirehose | undefined): FirehoseClient {
  const send = async (command: unknown) => {
    const firehose = target();
    if (!(command instanceof PutRecordBatchCommand)) {
      throw new Error(
        `kpipe local emulates PutRecordBatch only, not ${(command as object).constructor.name}`,
      );
    }
    const name = command.input.DeliveryStreamName;
    if (!firehose || firehose.name !== name) {
      const known = firehose ? `only ${firehose.name} runs locally` : 'no delivery stream runs locally';
      throw Object.assign(new Error(`delivery stream ${name} not found: ${known}`), {
        name: 'ResourceNotFoundException',
      });
    }
    const output = firehose.put(
      (command.input.Records ?? []).map((record) => record.Data ?? new Uint8Array(0)),
    );
    return {
      FailedPutCount: output.failedPutCount,
      Encrypted: output.encrypted,
      RequestResponses: output.requestResponses.map((response) => ({ RecordId: response.recordId })),
    };
  };
  return { send, destroy: () => undefined } as unknown as FirehoseClient;
}

/** One-at-a-time queue; a task's failure is its own to handle (tasks must not reject). */
export function serialQueue() {
  let tail: Promise<void> = Promise.resolve();
  return {
    push(task: () => Promise<void>) {
      tail = tail.then(task);
    },
    idle: () => tail,
  };
}

export interface FirehoseStage {
  firehose?: EmulatedFirehose;
  /** Its Kinesis source (not started), for a delivery stream that reads the stream. */
  mapping?: KinesisEventSourceMapping;
  /** The conversions of the objects it wrote, one at a time; idle when all are done. */
  conversions: ReturnType<typeof serialQueue>;
}

/** The delivery stream, its source mapping and its converter, when the pipeline has a delivery stream. */
export async function wireFirehose(
  context: RunContext,
  emulators: RunEmulators,
  deps: StageDeps,
): Promise<FirehoseStage> {
  const { config, options, publisher, state, stages } = context;
  const conversions = serialQueue();
  const delivery = config.delivery;
  if (!delivery) return { conversions };
  const { s3 } = emulators;
  let mapping: KinesisEventSourceMapping | undefined;
  const processorName = delivery.processor.function;
  const processor =
    processorName === 'none'
      ? undefined
      : createFirehoseProcessor(options.pipeline, {
          mode: processorName === 'partitionKeys' ? 'keys' : 'transform',
          env: options.env,
          clients: deps.clients,
        });
  const conversion = config.conversion;
  const converter = options.converter?.(s3);
  // The source position moves only once records are in S3 (lib/local/firehose-source.ts); the mapping's
  // own file holds read positions and restarts from the durable ones.
  const sourceCheckpoints =
    delivery.source === 'kinesis'
      ? await openSourceCheckpoints({
          file: join(state, 'firehose-checkpoints.json'),
          readFile: join(state, 'firehose-read-positions.json'),
          functionName: 'firehoseSource',
          streamArn: () => mapping?.streamArn,
          onWriteError: (error) =>
            context.logger.error('firehose source checkpoint write failed', { error: error.message }),
        })
      : undefined;
  const firehose = createEmulatedFirehose({
    sourceCheckpoints,
    delivery,
    partitioning: config.partitioning,
    s3,
    bucket: LOCAL_BUCKET,
    sourceStreamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${config.stream.name}`,
    transformer:
      processor && (async (event) => (await processor(event)).response as FirehoseTransformationResult),
    onErrorRecord: publisher && ((record) => publisher.error(firehoseErrorInput(record))),
    onObjectCreated: (object) => {
      if (!converter || !conversion || object.kind !== 'delivery') return;
      if (!object.key.startsWith(conversion.inputPrefix)) return;
      const event = s3ObjectCreatedEvent([{ bucket: object.bucket, key: object.key, size: object.size }]);
      conversions.push(async () => {
        for (let attempt = 1; attempt <= ASYNC_INVOKE_ATTEMPTS; attempt += 1) {
          try {
            const result = await converter(event);
            addConversion(stages.converted, stages.conversionErrors, result);
            if (publisher) await sampleConversionErrors(publisher, s3, result.objects ?? []);
            return;
          } catch (error) {
            if (attempt === ASYNC_INVOKE_ATTEMPTS) {
              // Given up, as Lambda would after its async retries; the reconciliation shows the gap.
              stages.converted.failedObjects += 1;
              const message = `parquetConverter gave up on s3://${object.bucket}/${object.key}`;
              context.logger.warn(message, { error: (error as Error).message });
              publisher?.error({
                stage: STAGE.converter,
                reason: 'object: gave up after retries',
                message: `${message}: ${(error as Error).message}`,
                rawData: new Uint8Array(0),
              });
            }
          }
        }
      });
    },
  });
  // With an emulator dead, what is buffered stays before the source position for the next run.
  context.stops.push(() => firehose.stop({ flush: !context.downed }));
  // The console's Generator sends to it in-process; withdrawn before it stops (stops run in reverse).
  const withdraw = options.live?.addDeliveryStream({
    name: firehose.name,
    ...(delivery.source === 'kinesis' && { sourceStream: config.stream.name }),
    put: (records) => firehose.put(records),
  });
  if (withdraw) context.stops.push(async () => void withdraw());
  if (delivery.source === 'kinesis') {
    mapping = new KinesisEventSourceMapping({
      client: deps.kinesis,
      streamName: config.stream.name,
      functionName: 'firehoseSource',
      logger: context.logger,
      batchSize: 1000,
      startingPosition: 'TRIM_HORIZON',
      ...deps.fromRunStart,
      checkpointFile: join(state, 'firehose-read-positions.json'),
      deadLetterFile: join(context.workDir, 'dead-letters', 'firehoseSource.jsonl'),
      handler: (event: KinesisStreamEvent) => {
        firehose.putKinesisRecords(toSourceRecords(event));
      },
    });
  }
  return { firehose, mapping, conversions };
}
