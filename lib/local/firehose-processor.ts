/**
 * The Lambda processor of the emulated delivery stream: the processor buffer (BufferSizeInMBs /
 * BufferIntervalInSeconds), one invocation at a time in arrival order, the response judged by the project's
 * transformation contract, the batch retried `processor.retries` times, and each record's result handed on.
 */
import { randomUUID } from 'node:crypto';
import type { FirehoseTransformationEvent, FirehoseTransformationEventRecord } from 'aws-lambda';
import {
  FIREHOSE_ERROR_CODES,
  judgeTransformationResponse,
  SERVICE_CONTRACT,
  type CheckedRecord,
  type ContractCheck,
} from '../firehose/contract';
import { SizeIntervalBuffer } from './firehose-buffer';
import {
  bump,
  describeError,
  fillOf,
  type BufferedStage,
  type FailRecord,
  type InputRecord,
  type StageContext,
} from './firehose-context';
import { ERROR_OUTPUT } from './firehose-settings';
import type { BufferFill, FirehoseTransformer } from './firehose-types';

/** Where the processor sends each record's result. */
export interface ProcessorOutputs {
  /** Ok: on to partitioning with the transformed data and the Lambda's partition keys. */
  route(input: InputRecord, data: Buffer, lambdaKeys: Record<string, string> | undefined): void;
  /** Dropped: a terminal state, nothing written. */
  drop(input: InputRecord): void;
  /** ProcessingFailed or a failed batch: to the error prefix. */
  fail: FailRecord;
}

type ResultHandler = (
  context: StageContext,
  outputs: ProcessorOutputs,
  input: InputRecord,
  record: CheckedRecord,
  attempts: number,
) => void;

/** What each transformation result does with its record. */
const RESULT_HANDLERS: Record<CheckedRecord['result'], ResultHandler> = {
  Ok: ({ counters }, outputs, input, record) => {
    counters.ok += 1;
    outputs.route(input, record.data as Buffer, record.partitionKeys);
  },
  Dropped: ({ counters }, outputs, input) => {
    counters.dropped += 1;
    outputs.drop(input);
  },
  ProcessingFailed: ({ counters }, outputs, input, _record, attempts) => {
    counters.processingFailed += 1;
    // Firehose keeps the record as it came in, not what the function returned.
    outputs.fail({
      input,
      rawData: input.data,
      errorCode: FIREHOSE_ERROR_CODES.processingFailedStatus,
      errorMessage: 'ProcessingFailed status set for record',
      attemptsMade: attempts,
      outputType: ERROR_OUTPUT.processingFailed,
    });
  },
};

export class Processor implements BufferedStage {
  private readonly buffer: SizeIntervalBuffer<InputRecord>;
  private processing: Promise<void> = Promise.resolve();
  private queuedBatches = 0;

  constructor(
    private readonly context: StageContext,
    private readonly transformer: FirehoseTransformer,
    private readonly outputs: ProcessorOutputs,
  ) {
    this.buffer = new SizeIntervalBuffer<InputRecord>(
      context.settings.processorLimits,
      context.clock,
      (batch) => this.enqueueBatch(batch),
    );
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Batches handed to the transformer and not yet finished. */
  get busy(): number {
    return this.queuedBatches;
  }

  add(input: InputRecord): void {
    this.buffer.add(input, input.data.length);
  }

  flush(): void {
    this.buffer.flush('forced');
  }

  discard(): number {
    return this.buffer.take().length;
  }

  fills(now: number): BufferFill[] {
    return [fillOf('processor', '', this.buffer, this.context.settings.processorLimits, now)];
  }

  /** Resolves when every batch handed to the transformer so far has its results handed on. */
  async settled(): Promise<void> {
    while (this.queuedBatches > 0) await this.processing;
  }

  private enqueueBatch(batch: InputRecord[]): void {
    this.queuedBatches += 1;
    this.processing = this.processing
      .then(() => this.processBatch(batch))
      .catch((error: unknown) =>
        this.context.logger().error('emulated Firehose: batch processing failed', { error }),
      )
      .finally(() => {
        this.queuedBatches -= 1;
      });
  }

  private buildEvent(batch: readonly InputRecord[]): FirehoseTransformationEvent {
    const { settings } = this.context;
    const records = batch.map((input): FirehoseTransformationEventRecord => {
      input.base64 ??= input.data.toString('base64');
      const record: FirehoseTransformationEventRecord = {
        recordId: input.recordId,
        approximateArrivalTimestamp: input.arrival,
        data: input.base64,
      };
      // A fresh copy per attempt: a transformer that mutates its event cannot change the retry.
      if (input.kinesis) record.kinesisRecordMetadata = { ...input.kinesis };
      return record;
    });
    const event: FirehoseTransformationEvent = {
      invocationId: randomUUID(),
      deliveryStreamArn: settings.arn,
      region: settings.region,
      records,
    };
    if (settings.sourceStreamArn) event.sourceKinesisStreamArn = settings.sourceStreamArn;
    return event;
  }

  private async invoke(batch: readonly InputRecord[], recordIds: readonly string[]): Promise<ContractCheck> {
    let response: unknown;
    try {
      response = await this.transformer(this.buildEvent(batch));
    } catch (error) {
      return { ok: false, errorCode: FIREHOSE_ERROR_CODES.functionError, errorMessage: describeError(error) };
    }
    return judgeTransformationResponse(recordIds, response, {
      ...SERVICE_CONTRACT,
      maxResponseBytes: this.context.settings.maxResponseBytes,
    });
  }

  private async processBatch(batch: InputRecord[]): Promise<void> {
    const { counters, settings } = this.context;
    counters.processorBatches += 1;
    const recordIds = batch.map((input) => input.recordId);
    const maxAttempts = settings.retries + 1;
    let last: Extract<ContractCheck, { ok: false }> | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      counters.invocations += 1;
      if (attempt > 1) counters.retries += 1;
      const check = await this.invoke(batch, recordIds);
      if (check.ok) {
        for (let index = 0; index < batch.length; index += 1) {
          const record = check.records[index] as CheckedRecord;
          RESULT_HANDLERS[record.result](
            this.context,
            this.outputs,
            batch[index] as InputRecord,
            record,
            attempt,
          );
        }
        return;
      }
      last = check;
      bump(counters.attemptFailuresByCode, check.errorCode);
    }
    counters.failedBatches += 1;
    const failed = last as Extract<ContractCheck, { ok: false }>;
    for (const input of batch) {
      this.outputs.fail({
        input,
        rawData: input.data,
        errorCode: failed.errorCode,
        errorMessage: failed.errorMessage,
        attemptsMade: maxAttempts,
        outputType: ERROR_OUTPUT.processingFailed,
      });
    }
  }
}
