const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Every AWS limit the sinks and handlers size against, in one place (bytes are raw bytes, before
 * base64). Sources: Kinesis PutRecords and Firehose PutRecordBatch API references, Lambda quotas.
 */
export const API_LIMITS = {
  kinesisPutRecords: {
    maxCount: 500,
    maxBytes: 5 * MiB,
    /** Data plus partition key (UTF-8 bytes). */
    maxRecordBytes: 1 * MiB,
    partitionKeyMinChars: 1,
    partitionKeyMaxChars: 256,
  },
  firehosePutRecordBatch: {
    maxCount: 500,
    maxBytes: 4 * MiB,
    maxRecordBytes: 1000 * KiB,
  },
  /** Synchronous invoke payload; AWS's Firehose blueprints keep responses under 6,000,000 bytes. */
  lambdaSyncPayloadBytes: 6_000_000,
} as const;

export interface ChunkLimits {
  maxCount: number;
  maxBytes: number;
}

/** An item that can never fit in a request, whatever the chunking: reported, never looped on. */
export interface ChunkRejection<T> {
  item: T;
  /** Position in the input array. */
  index: number;
  size: number;
  reason: 'ItemTooLarge';
  message: string;
}

export interface ChunkResult<T> {
  chunks: T[][];
  rejected: ChunkRejection<T>[];
}

function assertLimits(limits: ChunkLimits): void {
  for (const field of ['maxCount', 'maxBytes'] as const) {
    const value = limits[field];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`chunkByLimits: ${field} must be a positive integer, got ${String(value)}`);
    }
  }
}

/**
 * Splits items, in order, into consecutive chunks of at most `maxCount` items and `maxBytes` total
 * size. `sizeOf` is called exactly once per item. An item alone larger than `maxBytes` goes to
 * `rejected` with its index; the others keep their relative order.
 */
export function chunkByLimits<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  limits: ChunkLimits,
): ChunkResult<T> {
  assertLimits(limits);
  const { maxCount, maxBytes } = limits;
  const chunks: T[][] = [];
  const rejected: ChunkRejection<T>[] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (let index = 0; index < items.length; index += 1) {
    const item = items[index] as T;
    const size = sizeOf(item);
    if (!(size >= 0)) throw new Error(`chunkByLimits: sizeOf(items[${index}]) returned ${String(size)}`);
    if (size > maxBytes) {
      rejected.push({
        item,
        index,
        size,
        reason: 'ItemTooLarge',
        message: `items[${index}] is ${size} bytes, over the ${maxBytes}-byte request limit`,
      });
      continue;
    }
    if (current.length === maxCount || currentBytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, rejected };
}
