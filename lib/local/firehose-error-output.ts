/**
 * The side outputs of the emulated delivery stream: the ErrorOutputPrefix (Firehose's error documents, one
 * buffer per error output type) and the source-record backup under `delivery.backupPrefix`.
 */
import { evaluatePrefix, type ParsedPrefix } from '../partitioning';
import { SizeIntervalBuffer } from './firehose-buffer';
import {
  bump,
  fillOf,
  oldestArrival,
  reportDeliveryFailure,
  settleWrite,
  type BufferedStage,
  type ErrorItem,
  type FailureInput,
  type StageContext,
} from './firehose-context';
import { BACKUP_COMPRESSION, BACKUP_LIMITS } from './firehose-settings';
import type { BufferFill } from './firehose-types';
import type { ObjectWriter } from './firehose-writer';

const rawDatas = (items: readonly ErrorItem[]): Buffer[] =>
  items.flatMap((item) => (item.input ? [item.input.data] : []));

export class ErrorOutput implements BufferedStage {
  private readonly buffers = new Map<string, SizeIntervalBuffer<ErrorItem>>();

  constructor(
    private readonly context: StageContext,
    private readonly writer: ObjectWriter,
  ) {}

  get buffered(): number {
    let count = 0;
    for (const buffer of this.buffers.values()) count += buffer.length;
    return count;
  }

  /** Sends one record to the error prefix as Firehose's error document. */
  fail(failure: FailureInput): void {
    const { clock, settings, counters } = this.context;
    const { input } = failure;
    const document: Record<string, unknown> = {
      attemptsMade: failure.attemptsMade,
      arrivalTimestamp: input.arrival,
      errorCode: failure.errorCode,
      errorMessage: failure.errorMessage,
      attemptEndingTimestamp: clock.now(),
      rawData: failure.rawData.toString('base64'),
    };
    if (settings.lambdaArn) document.lambdaArn = settings.lambdaArn;
    bump(counters.errorsByCode, failure.errorCode);
    bump(counters.errorsByType, failure.outputType);
    this.context.reportError({
      kind: 'processing',
      errorCode: failure.errorCode,
      errorMessage: failure.errorMessage,
      outputType: failure.outputType,
      rawData: failure.rawData,
    });
    const line = Buffer.from(`${JSON.stringify(document)}\n`);
    let buffer = this.buffers.get(failure.outputType);
    if (buffer === undefined) {
      const outputType = failure.outputType;
      buffer = new SizeIntervalBuffer<ErrorItem>(settings.deliveryLimits, clock, (items) =>
        this.writer.track(this.write(outputType, items)),
      );
      this.buffers.set(outputType, buffer);
    }
    buffer.add({ arrival: input.arrival, document: line, input }, line.length);
  }

  flush(): void {
    for (const buffer of this.buffers.values()) buffer.flush('forced');
  }

  discard(): number {
    let count = 0;
    for (const buffer of this.buffers.values()) count += buffer.take().length;
    this.buffers.clear();
    return count;
  }

  fills(now: number): BufferFill[] {
    const limits = this.context.settings.deliveryLimits;
    return [...this.buffers].map(([outputType, buffer]) => fillOf('error', outputType, buffer, limits, now));
  }

  private async write(outputType: string, items: ErrorItem[]): Promise<void> {
    const { settings, options, counters } = this.context;
    const evaluation = evaluatePrefix(settings.errorPrefix, {
      timestamp: new Date(oldestArrival(items)),
      errorOutputType: outputType,
      randomString: options.randomString,
    });
    if (!evaluation.ok) {
      this.context.logger().error('emulated Firehose: error output prefix cannot be evaluated', {
        message: evaluation.message,
        records: items.length,
      });
      settleWrite(counters, false, 'errorOutput', items.length);
      reportDeliveryFailure(this.context, rawDatas(items), `error output prefix: ${evaluation.message}`);
      return;
    }
    const body = Buffer.concat(items.map((item) => item.document));
    const written = await this.writer.write(
      evaluation.prefix,
      body,
      items.length,
      'error',
      undefined,
      (why) => reportDeliveryFailure(this.context, rawDatas(items), `error output object: ${why}`),
    );
    settleWrite(counters, written, 'errorOutput', items.length);
    if (written) this.context.durable(items.map((item) => item.input));
  }
}

/** Keeps source records as they came in (before any de-aggregation), gzip'd, under `delivery.backupPrefix`. */
export class SourceBackup implements BufferedStage {
  private readonly buffer: SizeIntervalBuffer<ErrorItem>;

  constructor(
    private readonly context: StageContext,
    private readonly writer: ObjectWriter,
    private readonly prefix: ParsedPrefix,
  ) {
    this.buffer = new SizeIntervalBuffer<ErrorItem>(BACKUP_LIMITS, context.clock, (items) =>
      this.writer.track(this.write(items)),
    );
  }

  get buffered(): number {
    return this.buffer.length;
  }

  add(data: Buffer, arrival: number): void {
    this.buffer.add({ arrival, document: data }, data.length);
  }

  flush(): void {
    this.buffer.flush('forced');
  }

  /** A backup copy is not a record's terminal state: what is discarded counts as `backupFailed`. */
  discard(): number {
    const count = this.buffer.take().length;
    this.context.counters.backupFailed += count;
    return count;
  }

  fills(now: number): BufferFill[] {
    return [fillOf('backup', '', this.buffer, BACKUP_LIMITS, now)];
  }

  private async write(items: ErrorItem[]): Promise<void> {
    const { options, counters } = this.context;
    const evaluation = evaluatePrefix(this.prefix, {
      timestamp: new Date(oldestArrival(items)),
      randomString: options.randomString,
    });
    const body = Buffer.concat(items.map((item) => item.document));
    const written =
      evaluation.ok &&
      (await this.writer.write(evaluation.prefix, body, items.length, 'backup', BACKUP_COMPRESSION));
    if (!evaluation.ok) {
      this.context.logger().error('emulated Firehose: backup prefix cannot be evaluated', {
        message: evaluation.message,
      });
    }
    if (written) counters.backedUp += items.length;
    else counters.backupFailed += items.length;
  }
}
