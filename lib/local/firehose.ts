/**
 * The emulated Firehose delivery stream of `kpipe local`, configured from pipeline.yml's `delivery` and
 * `partitioning` blocks (reference firehose.md §1-§2). This file is the coordinator; each stage is its own
 * module:
 *
 *   put / putKinesisRecords → intake (API limits, KPL and JSON de-aggregation; firehose-intake.ts)
 *   → processor (buffer, transformer, contract, retries; firehose-processor.ts)
 *   → partitions (keys, per-partition buffers; firehose-partitions.ts) → S3 objects (firehose-writer.ts)
 *   failures → error output, source records → backup (firehose-error-output.ts)
 *
 * Every record ends in exactly one of: dropped, delivered, error output, delivery failed (an S3 write that
 * failed), or discarded on stop. What is emulated and where the service's behaviour had to be chosen is in
 * lib/local/firehose.md.
 */
import {
  createStageContext,
  type BufferedStage,
  type InputRecord,
  type StageContext,
} from './firehose-context';
import { ErrorOutput, SourceBackup } from './firehose-error-output';
import { checkPutRecordBatch, Intake, type DirectPutRecord } from './firehose-intake';
import { Partitions } from './firehose-partitions';
import { Processor } from './firehose-processor';
import {
  FirehoseApiError,
  type BufferFill,
  type EmulatedFirehose,
  type EmulatedFirehoseOptions,
  type FirehoseCounters,
  type KinesisSourceRecord,
  type PutRecordBatchOutput,
} from './firehose-types';
import { ObjectWriter } from './firehose-writer';

export * from './firehose-types';
export {
  DEFAULT_ACTIVE_PARTITION_LIMIT,
  DELIVERY_STREAM_VERSION,
  FIREHOSE_MAX_RECORD_BYTES,
  PUT_RECORD_BATCH_MAX_BYTES,
  PUT_RECORD_BATCH_MAX_RECORDS,
} from './firehose-settings';

class DeliveryStream implements EmulatedFirehose {
  readonly name: string;
  readonly arn: string;
  private readonly context: StageContext;
  private readonly writer: ObjectWriter;
  private readonly intake: Intake;
  private readonly processor: Processor | undefined;
  private readonly partitions: Partitions;
  private readonly errorOutput: ErrorOutput;
  private readonly sourceBackup: SourceBackup | undefined;
  /** In flow order: flushing one stage can fill the next. */
  private readonly stages: BufferedStage[];
  private stopped = false;

  constructor(options: EmulatedFirehoseOptions) {
    const context = createStageContext(options);
    const { settings } = context;
    this.context = context;
    this.name = settings.name;
    this.arn = settings.arn;
    this.writer = new ObjectWriter(context);
    const errorOutput = new ErrorOutput(context, this.writer);
    const fail = errorOutput.fail.bind(errorOutput);
    const partitions = new Partitions(context, this.writer, fail);
    const route = partitions.route.bind(partitions);
    const processor =
      options.transformer &&
      new Processor(context, options.transformer, {
        route,
        fail,
        drop: (input) => {
          context.counters.pending -= 1;
          context.durable([input]);
        },
      });
    const sourceBackup = settings.backupPrefix
      ? new SourceBackup(context, this.writer, settings.backupPrefix)
      : undefined;
    this.intake = new Intake(context, {
      accept: processor
        ? (input: InputRecord) => processor.add(input)
        : (input: InputRecord) => route(input, input.data, undefined),
      fail,
      backup: (data, arrival) => sourceBackup?.add(data, arrival),
    });
    this.processor = processor;
    this.partitions = partitions;
    this.errorOutput = errorOutput;
    this.sourceBackup = sourceBackup;
    this.stages = [processor, partitions, errorOutput, sourceBackup].filter(
      (stage): stage is NonNullable<typeof stage> => stage !== undefined,
    );
  }

  put(records: readonly DirectPutRecord[]): PutRecordBatchOutput {
    this.assertRunning();
    if (this.context.settings.source !== 'direct-put') {
      throw new FirehoseApiError(
        'InvalidArgumentException',
        `delivery stream ${this.name} reads a Kinesis stream (delivery.source: kinesis); PutRecordBatch is not allowed`,
      );
    }
    const responses = this.intake.direct(checkPutRecordBatch(records));
    return { failedPutCount: 0, encrypted: false, requestResponses: responses };
  }

  putKinesisRecords(records: readonly KinesisSourceRecord[]): void {
    this.assertRunning();
    if (this.context.settings.source !== 'kinesis') {
      throw new FirehoseApiError(
        'InvalidArgumentException',
        `delivery stream ${this.name} is DirectPut (delivery.source: direct-put); it does not read a stream`,
      );
    }
    this.intake.kinesis(records);
  }

  async flush(): Promise<void> {
    // Writes can send records back to a buffer (an object whose prefix fails); loop until all is settled.
    for (;;) {
      this.processor?.flush();
      await this.processor?.settled();
      for (const stage of this.stages) if (stage !== this.processor) stage.flush();
      await this.drain();
      if (this.bufferedRecords() === 0 && !this.busy()) break;
    }
    await this.context.options.sourceCheckpoints?.flush();
  }

  async drain(): Promise<void> {
    while (this.busy()) {
      await this.processor?.settled();
      await this.writer.settled();
    }
  }

  async stop(options: { flush?: boolean } = {}): Promise<void> {
    if (options.flush ?? true) await this.flush();
    this.stopped = true;
    const { counters } = this.context;
    const discard = (count: number): void => {
      counters.discardedOnStop += count;
      counters.pending -= count;
    };
    discard(this.processor?.discard() ?? 0);
    await this.drain();
    discard(this.partitions.discard());
    discard(this.errorOutput.discard());
    // A backup copy is not a terminal state; its stage counts what it drops as backupFailed.
    this.sourceBackup?.discard();
    // What was discarded stays before the source position: the next run re-reads it from the stream.
    await this.context.options.sourceCheckpoints?.flush();
  }

  stats(): FirehoseCounters {
    return structuredClone(this.context.counters);
  }

  bufferFill(): BufferFill[] {
    const now = this.context.clock.now();
    return this.stages.flatMap((stage) => stage.fills(now));
  }

  sourcePositions(): Record<string, string> {
    return this.context.source?.snapshot() ?? {};
  }

  private assertRunning(): void {
    if (this.stopped)
      throw new FirehoseApiError('ResourceInUseException', `delivery stream ${this.name} is stopped`);
  }

  private busy(): boolean {
    return (this.processor?.busy ?? 0) > 0 || this.writer.busy > 0;
  }

  private bufferedRecords(): number {
    return this.stages.reduce((sum, stage) => sum + stage.buffered, 0);
  }
}

/**
 * Builds an emulated delivery stream. Throws FirehoseConfigError, naming the field, for what the service or
 * the emulator would refuse (compression format, prefixes, missing transformer, missing source stream).
 */
export function createEmulatedFirehose(options: EmulatedFirehoseOptions): EmulatedFirehose {
  return new DeliveryStream(options);
}
