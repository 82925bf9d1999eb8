/**
 * One Kinesis batch, in shard order: decode → de-aggregate → parse → validate → transform → deliver.
 * Bad records go to the error output with their reason and never block the shard; a transient sink
 * fault reports the first record not fully delivered, because Lambda checkpoints at the lowest reported
 * sequence number and re-delivers everything after it anyway (the rules: settle.ts).
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { RecordProcessor, RejectionReason } from '../processing/record-processor';
import { lineBytes } from '../processing/verbatim';
import { toErrorRecord, type ErrorRecord, type ErrorSink } from '../sinks/error-sink';
import type { BatchInfo, DeliveryItem, Sink, SinkBatch, SinkResult } from './delivery';
import { isSettled, lowestPosition, settleErrors } from './settle';
import { arrivalTimeOf, unpackKinesisRecord, userRecordContext } from './user-records';

export interface BatchSummary {
  shardId: string;
  firstSequenceNumber: string | undefined;
  lastSequenceNumber: string | undefined;
  records: number;
  /** User records after KPL de-aggregation, and JSON objects after splitting JSON lines. */
  userRecords: number;
  objects: number;
  /** Objects every sink took, before the first undelivered record (those after it come back with the retry). */
  delivered: number;
  dropped: Record<string, number>;
  failed: Partial<Record<RejectionReason | 'refused-by-sink', number>>;
  /** Objects (S3) or records (Firehose, Kinesis) the sinks wrote, summed over the sinks. */
  written: number;
  /** Put requests the sinks resent for entries the destination had not taken. */
  sinkRetries: number;
  /** Position of the first record reported back to Lambda, when a sink failed. */
  firstUndelivered: number | undefined;
  sinkErrors: string[];
  durationMs: number;
}

export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
  summary: BatchSummary;
}

export interface ConsumerParts {
  processor: RecordProcessor;
  sinks: Sink[];
  errorSink: ErrorSink;
  now?: () => Date;
}

/** Kinesis events carry no shard id field; it is the part of eventID before the colon. */
export function shardIdOf(record: KinesisStreamRecord): string {
  const colon = record.eventID.indexOf(':');
  return colon > 0 ? record.eventID.slice(0, colon) : 'shardId-unknown';
}

function count<K extends string>(counts: Partial<Record<K, number>>, key: K): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Kinesis records processed between two turns of the event loop, when a sink works in the background. */
const YIELD_EVERY = 256;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A sink's batch, guarded: a sink that throws, when adding or delivering, has delivered nothing we can
 * vouch for, so the batch is reported from its first record to deliver.
 */
function openDelivery(sink: Sink, batch: BatchInfo) {
  let failure: unknown;
  let open: SinkBatch | undefined;
  try {
    open = sink.open(batch);
  } catch (error) {
    failure = error;
  }
  return {
    add(item: DeliveryItem): void {
      if (failure !== undefined) return;
      try {
        open!.add(item);
      } catch (error) {
        failure = error;
      }
    },
    async deliver(firstPosition: number | undefined): Promise<SinkResult> {
      try {
        if (failure === undefined) return await open!.deliver();
      } catch (error) {
        failure = error;
      }
      return {
        firstUndelivered: firstPosition,
        refused: [],
        written: 0,
        errors: [`${sink.name}: ${(failure as Error).message}`],
      };
    },
  };
}

export async function processBatch(
  records: KinesisStreamRecord[],
  parts: ConsumerParts,
): Promise<BatchResult> {
  const started = Date.now();
  const now = parts.now ?? (() => new Date());
  const ingestionTime = now();
  const first = records[0];
  const last = records[records.length - 1];
  const shardId = first ? shardIdOf(first) : 'shardId-unknown';
  const summary: BatchSummary = {
    shardId,
    firstSequenceNumber: first?.kinesis.sequenceNumber,
    lastSequenceNumber: last?.kinesis.sequenceNumber,
    records: records.length,
    userRecords: 0,
    objects: 0,
    delivered: 0,
    dropped: {},
    failed: {},
    written: 0,
    sinkRetries: 0,
    firstUndelivered: undefined,
    sinkErrors: [],
    durationMs: 0,
  };
  // Stryker disable next-line LogicalOperator: equivalent, first and last are both there or both not
  if (!first || !last) return { batchItemFailures: [], summary };

  const batch: BatchInfo = {
    shardId,
    firstSequenceNumber: first.kinesis.sequenceNumber,
    lastSequenceNumber: last.kinesis.sequenceNumber,
  };
  const batchContext = { shardId, ingestionTime };
  const deliveries = parts.sinks.map((sink) => openDelivery(sink, batch));
  const delivering: DeliveryItem[] = [];
  let firstDelivering: number | undefined;
  const keepRecords = parts.sinks.some((sink) => sink.readsRecords === true);
  // Turns of the event loop only feed background work: without it they cost time (and let V8 run its GC
  // tasks inside the loop rather than while the sinks wait on the network).
  const yields = parts.sinks.some((sink) => sink.worksInBackground === true);
  const errors: ErrorRecord[] = [];
  const errorPositions: number[] = [];
  const reject = (
    position: number,
    reason: RejectionReason | 'refused-by-sink',
    message: string,
    rawData: Uint8Array | string,
    subSequenceNumber?: number,
    partitionKey?: string,
  ): void => {
    const { kinesis } = records[position]!;
    count(summary.failed, reason);
    errorPositions.push(position);
    errors.push(
      toErrorRecord(
        {
          reason,
          message,
          shardId,
          sequenceNumber: kinesis.sequenceNumber,
          subSequenceNumber,
          partitionKey: partitionKey ?? kinesis.partitionKey,
          approximateArrivalTimestamp: kinesis.approximateArrivalTimestamp,
          rawData,
        },
        () => ingestionTime,
      ),
    );
  };

  for (let position = 0; position < records.length; position += 1) {
    // Sinks compress on libuv's thread pool while the batch goes on; a turn of the event loop now and
    // then hands them their next chunk.
    if (yields && position % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
    const { kinesis } = records[position]!;
    const unpacked = unpackKinesisRecord(kinesis);
    if (!unpacked.ok) {
      reject(position, unpacked.reason, unpacked.message, unpacked.rawData);
      continue;
    }
    const arrivalTime = arrivalTimeOf(kinesis);
    for (const user of unpacked.users) {
      summary.userRecords += 1;
      const decoded = parts.processor.decode(user.data);
      if (!decoded.ok) {
        reject(
          position,
          decoded.reason,
          decoded.message,
          user.data,
          user.subSequenceNumber,
          user.partitionKey,
        );
        continue;
      }
      const { objects, line } = decoded.value;
      // One context per user record: its objects share all of it.
      const context = userRecordContext(batchContext, kinesis, user, arrivalTime);
      for (let index = 0; index < objects.length; index += 1) {
        summary.objects += 1;
        const outcome = parts.processor.process(objects[index]!, context, line);
        if (outcome.kind === 'dropped') {
          count(summary.dropped, outcome.rule);
        } else if (outcome.kind === 'failed') {
          const where = objects.length > 1 ? `object ${index + 1} of ${objects.length}: ` : '';
          reject(
            position,
            outcome.reason,
            where + outcome.message,
            user.data,
            user.subSequenceNumber,
            user.partitionKey,
          );
        } else {
          const item: DeliveryItem = {
            position,
            line: outcome.line,
            bytes: outcome.verbatim ? lineBytes(user.data, outcome.line) : undefined,
            record: keepRecords ? outcome.record : undefined,
            keys: outcome.keys,
            partitionKey: user.partitionKey,
            sequenceNumber: kinesis.sequenceNumber,
            subSequenceNumber: user.subSequenceNumber,
          };
          delivering.push(item);
          firstDelivering ??= position;
          for (const delivery of deliveries) delivery.add(item);
        }
      }
    }
  }

  const sinkResults = await Promise.all(deliveries.map((delivery) => delivery.deliver(firstDelivering)));
  let firstUndelivered = lowestPosition(sinkResults.map((result) => result.firstUndelivered));
  const refusedItems = new Set<DeliveryItem>();
  for (const result of sinkResults) {
    summary.sinkErrors.push(...(result.errors ?? []));
    summary.written += result.written;
    summary.sinkRetries += result.retries ?? 0;
    for (const refusal of result.refused) {
      const { item } = refusal;
      // One error record per item, however many sinks refused it.
      if (refusedItems.has(item)) continue;
      refusedItems.add(item);
      reject(
        item.position,
        'refused-by-sink',
        refusal.message,
        Buffer.from(item.line),
        item.subSequenceNumber,
        item.partitionKey,
      );
    }
  }

  const { settled, firstSettled } = settleErrors(errors, errorPositions, firstUndelivered);
  try {
    await parts.errorSink.write(settled, batch);
  } catch (error) {
    summary.sinkErrors.push(`error output: ${(error as Error).message}`);
    firstUndelivered = lowestPosition([firstUndelivered, firstSettled]);
  }
  // Delivered means taken by every sink and not handed back to Lambda for re-delivery.
  for (const item of delivering) {
    if (!refusedItems.has(item) && isSettled(item.position, firstUndelivered)) summary.delivered += 1;
  }

  summary.firstUndelivered = firstUndelivered;
  summary.durationMs = Date.now() - started;
  return {
    batchItemFailures:
      firstUndelivered === undefined
        ? []
        : [{ itemIdentifier: records[firstUndelivered]!.kinesis.sequenceNumber }],
    summary,
  };
}
