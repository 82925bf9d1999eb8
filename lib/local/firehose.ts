/**
 * The emulated Firehose delivery stream of `kpipe local`, configured from pipeline.yml's `delivery` and
 * `partitioning` blocks (reference firehose.md §1-§2):
 *
 *   put / putKinesisRecords → (KPL de-aggregation) → processor buffer → transformer (the Lambda contract,
 *   retries) → jq key extraction → per-partition buffers → GZIP → S3 objects → onObjectCreated
 *
 * Failed records go to the ErrorOutputPrefix as Firehose's error documents; every record ends in exactly one
 * of: dropped, delivered, error output, delivery failed (an S3 write that failed), or discarded on stop.
 * What is emulated and where the service's behaviour had to be chosen is in lib/local/firehose.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FirehoseTransformationEvent, FirehoseTransformationEventRecord } from 'aws-lambda';
import { deaggregate, type JsonParser } from '../records';
import { SizeIntervalBuffer, type Clock } from './firehose-buffer';
import {
  bump,
  createStageContext,
  describeError,
  fillOf,
  type FailureInput,
  type InputRecord,
  type KinesisMetadata,
  type StageContext,
} from './firehose-context';
import { ErrorOutput, SourceBackup } from './firehose-error-output';
import { Partitions } from './firehose-partitions';
import { ObjectWriter } from './firehose-writer';
import {
  FIREHOSE_ERROR_CODES,
  judgeTransformationResponse,
  SERVICE_CONTRACT,
  type CheckedRecord,
  type ContractCheck,
} from '../firehose/contract';
import {
  ERROR_OUTPUT,
  FIREHOSE_MAX_RECORD_BYTES,
  PUT_RECORD_BATCH_MAX_BYTES,
  PUT_RECORD_BATCH_MAX_RECORDS,
  type Settings,
} from './firehose-settings';
import {
  FirehoseApiError,
  type BufferFill,
  type EmulatedFirehose,
  type EmulatedFirehoseOptions,
  type FirehoseCounters,
  type FirehoseLogger,
  type FirehoseTransformer,
  type KinesisSourceRecord,
  type PutRecordBatchOutput,
} from './firehose-types';

export * from './firehose-types';
export {
  DEFAULT_ACTIVE_PARTITION_LIMIT,
  DELIVERY_STREAM_VERSION,
  FIREHOSE_MAX_RECORD_BYTES,
  PUT_RECORD_BATCH_MAX_BYTES,
  PUT_RECORD_BATCH_MAX_RECORDS,
} from './firehose-settings';

const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

const toBuffer = (data: Uint8Array | string): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

const arrivalMs = (value: number | Date | undefined, now: number): number =>
  value === undefined ? now : typeof value === 'number' ? value : value.getTime();

class DeliveryStream implements EmulatedFirehose {
  readonly name: string;
  readonly arn: string;
  private readonly context: StageContext;
  private readonly settings: Settings;
  private readonly options: EmulatedFirehoseOptions;
  private readonly clock: Clock;
  private readonly counters: FirehoseCounters;
  private readonly writer: ObjectWriter;
  private readonly processorBuffer: SizeIntervalBuffer<InputRecord>;
  private readonly partitions: Partitions;
  private readonly errorOutput: ErrorOutput;
  private readonly sourceBackup: SourceBackup | undefined;
  private processing: Promise<void> = Promise.resolve();
  private queuedBatches = 0;
  private stopped = false;
  private sequence = 0;
  private readonly idBase = BigInt(`0x${randomBytes(6).toString('hex')}`)
    .toString()
    .padStart(15, '0');

  constructor(options: EmulatedFirehoseOptions) {
    this.context = createStageContext(options);
    ({
      settings: this.settings,
      options: this.options,
      clock: this.clock,
      counters: this.counters,
    } = this.context);
    this.name = this.settings.name;
    this.arn = this.settings.arn;
    this.writer = new ObjectWriter(this.context);
    this.processorBuffer = new SizeIntervalBuffer<InputRecord>(
      this.settings.processorLimits,
      this.clock,
      (batch) => this.enqueueBatch(batch),
    );
    this.errorOutput = new ErrorOutput(this.context, this.writer);
    this.partitions = new Partitions(this.context, this.writer, (failure) => this.errorOutput.fail(failure));
    if (this.settings.backupPrefix) {
      this.sourceBackup = new SourceBackup(this.context, this.writer, this.settings.backupPrefix);
    }
  }

  put(records: ReadonlyArray<Uint8Array | string | { data: Uint8Array | string }>): PutRecordBatchOutput {
    this.assertRunning();
    if (this.settings.source !== 'direct-put') {
      throw new FirehoseApiError(
        'InvalidArgumentException',
        `delivery stream ${this.name} reads a Kinesis stream (delivery.source: kinesis); PutRecordBatch is not allowed`,
      );
    }
    if (records.length === 0 || records.length > PUT_RECORD_BATCH_MAX_RECORDS) {
      throw new FirehoseApiError(
        'ValidationException',
        `PutRecordBatch takes 1 to ${PUT_RECORD_BATCH_MAX_RECORDS} records, got ${records.length}`,
      );
    }
    const datas = records.map((record) =>
      toBuffer(typeof record === 'string' || record instanceof Uint8Array ? record : record.data),
    );
    let total = 0;
    datas.forEach((data, index) => {
      if (data.length > FIREHOSE_MAX_RECORD_BYTES) {
        throw new FirehoseApiError(
          'ValidationException',
          `records[${index}] is ${data.length} bytes; a record may hold at most ${FIREHOSE_MAX_RECORD_BYTES} bytes before base64`,
        );
      }
      total += data.length;
    });
    if (total > PUT_RECORD_BATCH_MAX_BYTES) {
      throw new FirehoseApiError(
        'ValidationException',
        `PutRecordBatch request holds ${total} bytes of data; the limit is ${PUT_RECORD_BATCH_MAX_BYTES}`,
      );
    }
    const now = this.clock.now();
    const responses = datas.map((data) => {
      this.backup(data, now);
      return { recordId: this.intake(data, now, undefined) };
    });
    return { failedPutCount: 0, encrypted: false, requestResponses: responses };
  }

  putKinesisRecords(records: readonly KinesisSourceRecord[]): void {
    this.assertRunning();
    if (this.settings.source !== 'kinesis') {
      throw new FirehoseApiError(
        'InvalidArgumentException',
        `delivery stream ${this.name} is DirectPut (delivery.source: direct-put); it does not read a stream`,
      );
    }
    const now = this.clock.now();
    for (const record of records) {
      this.counters.kinesisRecordsIn += 1;
      const data = toBuffer(record.data);
      const arrival = arrivalMs(record.approximateArrivalTimestamp, now);
      this.backup(data, arrival);
      const meta = (partitionKey: string, subsequence: number): KinesisMetadata => ({
        shardId: record.shardId,
        partitionKey,
        approximateArrivalTimestamp: arrival,
        sequenceNumber: record.sequenceNumber,
        subsequenceNumber: String(subsequence),
      });
      const split = deaggregate(data);
      if (!split.ok) {
        // Counted in, then straight to the error prefix: never silently lost.
        const input = this.newInput(data, arrival, meta(record.partitionKey, 0));
        this.counters.recordsIn += 1;
        this.counters.pending += 1;
        this.fail({
          input,
          rawData: data,
          errorCode: FIREHOSE_ERROR_CODES.deaggregationFailed,
          errorMessage: `record ${record.shardId}/${record.sequenceNumber}: ${split.message}`,
          attemptsMade: 1,
          outputType: ERROR_OUTPUT.processingFailed,
        });
      } else if (split.aggregated) {
        this.counters.aggregates += 1;
        for (const user of split.records) {
          this.intake(user.data, arrival, meta(user.partitionKey, user.subSequenceNumber));
        }
      } else {
        this.intake(data, arrival, meta(record.partitionKey, 0));
      }
    }
  }

  async flush(): Promise<void> {
    // Writes can send records back to a buffer (an object whose prefix fails); loop until all is settled.
    for (;;) {
      this.processorBuffer.flush('forced');
      await this.settleProcessing();
      this.partitions.flush();
      this.errorOutput.flush();
      this.sourceBackup?.flush();
      await this.drain();
      if (this.bufferedRecords() === 0 && this.queuedBatches === 0 && this.writer.busy === 0) return;
    }
  }

  async drain(): Promise<void> {
    while (this.queuedBatches > 0 || this.writer.busy > 0) {
      await this.settleProcessing();
      await this.writer.settled();
    }
  }

  async stop(options: { flush?: boolean } = {}): Promise<void> {
    if (options.flush ?? true) await this.flush();
    this.stopped = true;
    const discard = (count: number): void => {
      this.counters.discardedOnStop += count;
      this.counters.pending -= count;
    };
    discard(this.processorBuffer.take().length);
    await this.drain();
    discard(this.partitions.discard());
    discard(this.errorOutput.discard());
    this.sourceBackup?.discard();
  }

  stats(): FirehoseCounters {
    return structuredClone(this.counters);
  }

  bufferFill(): BufferFill[] {
    const now = this.clock.now();
    const fills: BufferFill[] = [];
    if (this.options.transformer !== undefined) {
      fills.push(fillOf('processor', '', this.processorBuffer, this.settings.processorLimits, now));
    }
    fills.push(...this.partitions.fills(now));
    fills.push(...this.errorOutput.fills(now), ...(this.sourceBackup?.fills(now) ?? []));
    return fills;
  }

  // ---- intake and processing ---------------------------------------------------------------------------

  private assertRunning(): void {
    if (this.stopped)
      throw new FirehoseApiError('ResourceInUseException', `delivery stream ${this.name} is stopped`);
  }

  private newInput(data: Buffer, arrival: number, kinesis: KinesisMetadata | undefined): InputRecord {
    this.sequence += 1;
    const recordId = `${this.idBase}${String(this.sequence).padStart(12, '0')}`;
    return kinesis ? { recordId, data, arrival, kinesis } : { recordId, data, arrival };
  }

  /** One source record: split into JSON objects when RecordDeAggregation (JSON) is on; returns the first id. */
  private intake(data: Buffer, arrival: number, kinesis: KinesisMetadata | undefined): string {
    const pieces = this.settings.jsonSplitter && this.splitJson(data, this.settings.jsonSplitter);
    if (!pieces) return this.accept(data, arrival, kinesis);
    this.counters.jsonSplit += 1;
    const ids = pieces.map((piece) => this.accept(piece, arrival, kinesis));
    return ids[0] as string;
  }

  /**
   * The objects of a record holding several, re-serialised; undefined for one object or for data that does
   * not parse (the Lambda then sees it whole and classifies it). Most records are one object on one line:
   * two native byte scans settle those without parsing.
   */
  private splitJson(data: Buffer, parser: JsonParser): Buffer[] | undefined {
    let end = data.length;
    while (end > 0 && JSON_WHITESPACE.has(data[end - 1] as number)) end -= 1;
    const newline = data.indexOf(0x0a);
    if ((newline === -1 || newline >= end) && data.indexOf('}{') === -1 && data.indexOf('} {') === -1) {
      return undefined;
    }
    const parsed = parser.records(data);
    if (!parsed.ok || parsed.value.length < 2) return undefined;
    return parsed.value.map((object) => Buffer.from(JSON.stringify(object)));
  }

  private accept(data: Buffer, arrival: number, kinesis: KinesisMetadata | undefined): string {
    const input = this.newInput(data, arrival, kinesis);
    this.counters.recordsIn += 1;
    this.counters.pending += 1;
    if (this.options.transformer === undefined) this.route(input, data, undefined);
    else this.processorBuffer.add(input, data.length);
    return input.recordId;
  }

  private enqueueBatch(batch: InputRecord[]): void {
    this.queuedBatches += 1;
    this.processing = this.processing
      .then(() => this.processBatch(batch))
      .catch((error: unknown) => this.logger().error('emulated Firehose: batch processing failed', { error }))
      .finally(() => {
        this.queuedBatches -= 1;
      });
  }

  private async settleProcessing(): Promise<void> {
    while (this.queuedBatches > 0) await this.processing;
  }

  private buildEvent(batch: readonly InputRecord[]): FirehoseTransformationEvent {
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
      deliveryStreamArn: this.arn,
      region: this.settings.region,
      records,
    };
    if (this.settings.sourceStreamArn) event.sourceKinesisStreamArn = this.settings.sourceStreamArn;
    return event;
  }

  private async invoke(batch: readonly InputRecord[], recordIds: readonly string[]): Promise<ContractCheck> {
    const transformer = this.options.transformer as FirehoseTransformer;
    let response: unknown;
    try {
      response = await transformer(this.buildEvent(batch));
    } catch (error) {
      return { ok: false, errorCode: FIREHOSE_ERROR_CODES.functionError, errorMessage: describeError(error) };
    }
    return judgeTransformationResponse(recordIds, response, {
      ...SERVICE_CONTRACT,
      maxResponseBytes: this.settings.maxResponseBytes,
    });
  }

  private async processBatch(batch: InputRecord[]): Promise<void> {
    this.counters.processorBatches += 1;
    const recordIds = batch.map((input) => input.recordId);
    const maxAttempts = this.settings.retries + 1;
    let last: Extract<ContractCheck, { ok: false }> | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      this.counters.invocations += 1;
      if (attempt > 1) this.counters.retries += 1;
      const check = await this.invoke(batch, recordIds);
      if (check.ok) {
        this.applyResults(batch, check.records, attempt);
        return;
      }
      last = check;
      bump(this.counters.attemptFailuresByCode, check.errorCode);
    }
    this.counters.failedBatches += 1;
    const failed = last as Extract<ContractCheck, { ok: false }>;
    for (const input of batch) {
      this.fail({
        input,
        rawData: input.data,
        errorCode: failed.errorCode,
        errorMessage: failed.errorMessage,
        attemptsMade: maxAttempts,
        outputType: ERROR_OUTPUT.processingFailed,
      });
    }
  }

  private applyResults(
    batch: readonly InputRecord[],
    checked: readonly CheckedRecord[],
    attempts: number,
  ): void {
    for (let index = 0; index < batch.length; index += 1) {
      const input = batch[index] as InputRecord;
      const record = checked[index] as CheckedRecord;
      RESULT_HANDLERS[record.result](this, input, record, attempts);
    }
  }

  /** Ok records: keys, partition, destination buffer. */
  route(input: InputRecord, data: Buffer, lambdaKeys: Record<string, string> | undefined): void {
    this.partitions.route(input, data, lambdaKeys);
  }

  /** Sends one record to the error prefix as Firehose's error document. */
  fail(failure: FailureInput): void {
    this.errorOutput.fail(failure);
  }

  /** Keeps the record as it came in (before any de-aggregation) for `delivery.backupPrefix`. */
  private backup(data: Buffer, arrival: number): void {
    this.sourceBackup?.add(data, arrival);
  }

  private bufferedRecords(): number {
    let count = this.processorBuffer.length;
    count += this.partitions.buffered;
    return count + this.errorOutput.buffered + (this.sourceBackup?.buffered ?? 0);
  }

  private logger(): FirehoseLogger {
    return this.context.logger();
  }

  /** Used by RESULT_HANDLERS. */
  count(field: 'ok' | 'dropped' | 'processingFailed'): void {
    this.counters[field] += 1;
  }

  settle(): void {
    this.counters.pending -= 1;
  }
}

type ResultHandler = (
  stream: DeliveryStream,
  input: InputRecord,
  record: CheckedRecord,
  attempts: number,
) => void;

/** What each transformation result does with its record. */
const RESULT_HANDLERS: Record<CheckedRecord['result'], ResultHandler> = {
  Ok: (stream, input, record) => {
    stream.count('ok');
    stream.route(input, record.data as Buffer, record.partitionKeys);
  },
  Dropped: (stream) => {
    stream.count('dropped');
    stream.settle();
  },
  ProcessingFailed: (stream, input, _record, attempts) => {
    stream.count('processingFailed');
    // Firehose keeps the record as it came in, not what the function returned.
    stream.fail({
      input,
      rawData: input.data,
      errorCode: FIREHOSE_ERROR_CODES.processingFailedStatus,
      errorMessage: 'ProcessingFailed status set for record',
      attemptsMade: attempts,
      outputType: ERROR_OUTPUT.processingFailed,
    });
  },
};

/**
 * Builds an emulated delivery stream. Throws FirehoseConfigError, naming the field, for what the service or
 * the emulator would refuse (compression format, prefixes, missing transformer, missing source stream).
 */
export function createEmulatedFirehose(options: EmulatedFirehoseOptions): EmulatedFirehose {
  return new DeliveryStream(options);
}
