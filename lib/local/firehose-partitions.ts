/**
 * Dynamic partitioning in the emulated delivery stream: the partition keys of each Ok record (from the
 * Lambda's metadata and, with `engine: jq`, extracted locally), one buffer per distinct set of key values
 * (Firehose's partition registry, with its active-partition limit), and the object write of each flushed
 * buffer under its evaluated prefix.
 */
import { evaluatePrefix, type KeyExtractor } from '../partitioning';
import { FIREHOSE_ERROR_CODES } from '../firehose/contract';
import { SizeIntervalBuffer } from './firehose-buffer';
import {
  fillOf,
  oldestArrival,
  reportDeliveryFailure,
  settleWrite,
  type BufferedStage,
  type FailRecord,
  type InputRecord,
  type StageContext,
} from './firehose-context';
import { ERROR_OUTPUT } from './firehose-settings';
import type { BufferFill } from './firehose-types';
import type { ObjectWriter } from './firehose-writer';

const NEWLINE = Buffer.from('\n');

interface PartitionItem {
  input: InputRecord;
  data: Buffer;
}

interface Partition {
  id: string;
  lambdaKeys?: Record<string, string>;
  queryKeys?: Record<string, string>;
  buffer: SizeIntervalBuffer<PartitionItem>;
  /** 1 while the buffer holds records, plus 1 per object write in flight; deleted from the map at 0. */
  refs: number;
  open: boolean;
}

export class Partitions implements BufferedStage {
  /** Active partitions by key values. */
  private readonly active = new Map<string, Partition>();

  constructor(
    private readonly context: StageContext,
    private readonly writer: ObjectWriter,
    private readonly fail: FailRecord,
  ) {}

  get buffered(): number {
    let count = 0;
    for (const partition of this.active.values()) count += partition.buffer.length;
    return count;
  }

  flush(): void {
    for (const partition of [...this.active.values()]) partition.buffer.flush('forced');
  }

  discard(): number {
    let count = 0;
    for (const partition of this.active.values()) count += partition.buffer.take().length;
    this.active.clear();
    this.context.counters.activePartitions = 0;
    return count;
  }

  fills(now: number): BufferFill[] {
    const limits = this.context.settings.deliveryLimits;
    return [...this.active.values()].map((partition) =>
      fillOf(
        'partition',
        this.describePartition(partition.lambdaKeys, partition.queryKeys),
        partition.buffer,
        limits,
        now,
      ),
    );
  }

  /** Ok records: keys, partition, destination buffer. */
  route(input: InputRecord, data: Buffer, lambdaKeys: Record<string, string> | undefined): void {
    const { settings } = this.context;
    let queryKeys: Record<string, string> | undefined;
    if (settings.extractor !== undefined) {
      const extracted = this.extractQueryKeys(input, data, settings.extractor);
      if (typeof extracted === 'string') {
        this.fail({
          input,
          rawData: data,
          errorCode: FIREHOSE_ERROR_CODES.metadataExtractionFailed,
          errorMessage: extracted,
          attemptsMade: 1,
          outputType: ERROR_OUTPUT.processingFailed,
        });
        return;
      }
      queryKeys = extracted;
    }
    let id = '';
    for (const ref of settings.keyRefs) {
      const value = (ref.source === 'lambda' ? lambdaKeys : queryKeys)?.[ref.key];
      if (value === undefined || value === '') {
        this.failPrefix(input, data, lambdaKeys, queryKeys);
        return;
      }
      id += `${value}\u0000`;
    }
    let partition = this.active.get(id);
    if (partition === undefined) {
      if (settings.dynamic && this.active.size >= settings.activePartitionLimit) {
        this.fail({
          input,
          rawData: data,
          errorCode: FIREHOSE_ERROR_CODES.activePartitionsExceeded,
          errorMessage: `the record would open partition ${this.describePartition(lambdaKeys, queryKeys)} while ${this.active.size} partitions are active (limit ${settings.activePartitionLimit})`,
          attemptsMade: 1,
          outputType: ERROR_OUTPUT.activePartitionExceeded,
        });
        return;
      }
      // Checked once per new partition: a key that makes the prefix too long fails here, per record.
      if (settings.dynamic && !this.prefixFor(lambdaKeys, queryKeys, input.arrival).ok) {
        this.failPrefix(input, data, lambdaKeys, queryKeys);
        return;
      }
      partition = this.newPartition(id, lambdaKeys, queryKeys);
    }
    const bytes = data.length + (settings.appendDelimiter ? 1 : 0);
    if (!partition.open) {
      partition.open = true;
      partition.refs += 1;
    }
    partition.buffer.add({ input, data }, bytes);
    // add() may have flushed the old contents before taking this record: it is open again.
    if (!partition.open && partition.buffer.length > 0) {
      partition.open = true;
      partition.refs += 1;
    }
  }

  private extractQueryKeys(
    input: InputRecord,
    data: Buffer,
    extractor: KeyExtractor,
  ): Record<string, string> | string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString('utf8'));
    } catch (error) {
      return `record ${input.recordId}: data is not one JSON object (${(error as Error).message})`;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return `record ${input.recordId}: data is JSON but not an object`;
    }
    const result = extractor(parsed as Record<string, unknown>, { arrivalTime: new Date(input.arrival) });
    return result.ok ? result.keys : `record ${input.recordId}: ${result.message}`;
  }

  private describePartition(
    lambdaKeys: Record<string, string> | undefined,
    queryKeys: Record<string, string> | undefined,
  ): string {
    return this.context.settings.keyRefs
      .map((ref) => `${ref.key}=${(ref.source === 'lambda' ? lambdaKeys : queryKeys)?.[ref.key] ?? ''}`)
      .join(',');
  }

  private prefixFor(
    lambdaKeys: Record<string, string> | undefined,
    queryKeys: Record<string, string> | undefined,
    timestamp: number,
  ): ReturnType<typeof evaluatePrefix> {
    return evaluatePrefix(this.context.settings.prefix, {
      lambdaKeys,
      queryKeys,
      timestamp: new Date(timestamp),
      randomString: this.context.options.randomString,
    });
  }

  private failPrefix(
    input: InputRecord,
    data: Buffer,
    lambdaKeys: Record<string, string> | undefined,
    queryKeys: Record<string, string> | undefined,
  ): void {
    const evaluation = this.prefixFor(lambdaKeys, queryKeys, input.arrival);
    this.fail({
      input,
      rawData: data,
      errorCode: FIREHOSE_ERROR_CODES.prefixEvaluationFailed,
      errorMessage: `record ${input.recordId}: ${evaluation.ok ? 'prefix could not be evaluated' : evaluation.message}`,
      attemptsMade: 1,
      outputType: ERROR_OUTPUT.processingFailed,
    });
  }

  private newPartition(
    id: string,
    lambdaKeys: Record<string, string> | undefined,
    queryKeys: Record<string, string> | undefined,
  ): Partition {
    const partition: Partition = {
      id,
      refs: 0,
      open: false,
      buffer: new SizeIntervalBuffer<PartitionItem>(
        this.context.settings.deliveryLimits,
        this.context.clock,
        (items) => this.flushPartition(partition, items),
      ),
    };
    if (lambdaKeys) partition.lambdaKeys = lambdaKeys;
    if (queryKeys) partition.queryKeys = queryKeys;
    this.active.set(id, partition);
    this.context.counters.activePartitions = this.active.size;
    this.context.counters.maxActivePartitions = Math.max(
      this.context.counters.maxActivePartitions,
      this.active.size,
    );
    return partition;
  }

  private release(partition: Partition): void {
    partition.refs -= 1;
    if (partition.refs === 0 && this.active.get(partition.id) === partition) {
      this.active.delete(partition.id);
      this.context.counters.activePartitions = this.active.size;
    }
  }

  private flushPartition(partition: Partition, items: PartitionItem[]): void {
    // The emptied buffer's reference passes to the object write: the partition stays active until it lands.
    partition.open = false;
    this.writer.track(this.writePartition(partition, items).finally(() => this.release(partition)));
  }

  private async writePartition(partition: Partition, items: PartitionItem[]): Promise<void> {
    const oldest = oldestArrival(items.map((item) => item.input));
    const evaluation = this.prefixFor(partition.lambdaKeys, partition.queryKeys, oldest);
    if (!evaluation.ok) {
      for (const item of items) {
        this.fail({
          input: item.input,
          rawData: item.data,
          errorCode: FIREHOSE_ERROR_CODES.prefixEvaluationFailed,
          errorMessage: `record ${item.input.recordId}: ${evaluation.message}`,
          attemptsMade: 1,
          outputType: ERROR_OUTPUT.processingFailed,
        });
      }
      return;
    }
    const parts: Buffer[] = [];
    for (const item of items) {
      parts.push(item.data);
      if (this.context.settings.appendDelimiter) parts.push(NEWLINE);
    }
    const written = await this.writer.write(
      evaluation.prefix,
      Buffer.concat(parts),
      items.length,
      'delivery',
      undefined,
      (why) =>
        reportDeliveryFailure(
          this.context,
          items.map((item) => item.data),
          why,
        ),
    );
    settleWrite(this.context.counters, written, 'delivered', items.length);
    if (written) this.context.durable(items.map((item) => item.input));
  }
}
