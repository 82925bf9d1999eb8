/**
 * The source position of an emulated delivery stream that reads a Kinesis stream (KinesisStreamAsSource).
 * Firehose checkpoints its source only after delivery: a record read from the stream is durable once every
 * Firehose record made from it (KPL user records, JSON objects) is in S3, under Prefix or ErrorOutputPrefix,
 * or was Dropped by the transformer. Per shard, the position is the last sequence number up to which every
 * record read is durable; it never passes a record still buffered, being written, or whose write failed, so
 * a restart after any stop (SIGKILL included) re-reads those records from the stream instead of losing them.
 *
 * The position is persisted in the event source mapping's checkpoint format (lib/local/checkpoints.ts). The
 * mapping that reads the stream keeps its own file of read positions, which runs ahead of delivery; at
 * start, `openSourceCheckpoints` replaces that file with the durable positions, so the mapping resumes there.
 */
import { rm } from 'node:fs/promises';
import { readCheckpointFile, writeFileAtomic, type CheckpointDocument } from './checkpoints';

/** Receives the durable position of each shard as it moves; flush() resolves once it is on disk. */
export interface SourceCheckpointSink {
  advance(shardId: string, sequenceNumber: string): void;
  flush(): Promise<void>;
}

/** One record read from the stream, until every Firehose record made from it is durable. */
export interface SourceRef {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Firehose records made from it and not yet durable. */
  outstanding: number;
  /** Intake is done with it: no more Firehose records will be made from it. */
  sealed: boolean;
  done: boolean;
}

interface ShardQueue {
  refs: SourceRef[];
  head: number;
}

/** Tracks, per shard and in read order, which records are durable; calls `onAdvance` as positions move. */
export class SourcePositions {
  private readonly shards = new Map<string, ShardQueue>();
  private readonly positions: Record<string, string> = {};

  constructor(private readonly onAdvance: (shardId: string, sequenceNumber: string) => void = () => {}) {}

  /** A record read from `shardId` (in the order the shard is read). Seal it once intake is done with it. */
  read(shardId: string, sequenceNumber: string): SourceRef {
    let queue = this.shards.get(shardId);
    if (queue === undefined) {
      queue = { refs: [], head: 0 };
      this.shards.set(shardId, queue);
    }
    const ref: SourceRef = { shardId, sequenceNumber, outstanding: 0, sealed: false, done: false };
    queue.refs.push(ref);
    return ref;
  }

  /** One more Firehose record made from `ref`. */
  hold(ref: SourceRef): void {
    ref.outstanding += 1;
  }

  /** One Firehose record made from `ref` is durable. */
  release(ref: SourceRef): void {
    ref.outstanding -= 1;
    this.settle(ref);
  }

  seal(ref: SourceRef): void {
    ref.sealed = true;
    this.settle(ref);
  }

  /** The durable position of each shard that has one. */
  snapshot(): Record<string, string> {
    return { ...this.positions };
  }

  /** Records read whose Firehose records are not all durable yet. */
  get undelivered(): number {
    let count = 0;
    for (const queue of this.shards.values()) {
      for (let index = queue.head; index < queue.refs.length; index += 1) {
        if (!(queue.refs[index] as SourceRef).done) count += 1;
      }
    }
    return count;
  }

  private settle(ref: SourceRef): void {
    if (ref.done || !ref.sealed || ref.outstanding > 0) return;
    ref.done = true;
    const queue = this.shards.get(ref.shardId) as ShardQueue;
    let last: SourceRef | undefined;
    while (queue.head < queue.refs.length && (queue.refs[queue.head] as SourceRef).done) {
      last = queue.refs[queue.head] as SourceRef;
      queue.head += 1;
    }
    if (queue.head > 1024 && queue.head * 2 > queue.refs.length) {
      queue.refs = queue.refs.slice(queue.head);
      queue.head = 0;
    }
    if (last === undefined) return;
    this.positions[ref.shardId] = last.sequenceNumber;
    this.onAdvance(ref.shardId, last.sequenceNumber);
  }
}

export interface SourceCheckpointFiles {
  /** The durable positions, written by the delivery stream. */
  file: string;
  /** The event source mapping's own checkpoint file (read positions), reset from `file` at start. */
  readFile: string;
  functionName: string;
  /** The stream's ARN as the mapping sees it; asked for when a position is first written. */
  streamArn: () => string | undefined;
  onWriteError?: (error: Error) => void;
}

export interface SourceCheckpoints extends SourceCheckpointSink {
  /** Positions loaded from the file at start, as updated since. */
  positions(): Record<string, string>;
}

/**
 * Loads the durable positions and makes the mapping's read file start from them (a read file without durable
 * positions is removed: nothing read was delivered, so the mapping starts over). Writes are atomic and
 * coalesced: at most one in flight, the latest state always follows it.
 */
export async function openSourceCheckpoints(files: SourceCheckpointFiles): Promise<SourceCheckpoints> {
  const document = await readCheckpointFile(files.file);
  if (document) await writeFileAtomic(files.readFile, `${JSON.stringify(document, null, 2)}\n`);
  else await rm(files.readFile, { force: true });
  const shards: CheckpointDocument['shards'] = {};
  for (const [shardId, checkpoint] of Object.entries(document?.shards ?? {})) {
    if (checkpoint.sequenceNumber !== undefined)
      shards[shardId] = { sequenceNumber: checkpoint.sequenceNumber };
  }
  let dirty = false;
  let writing: Promise<void> | undefined;
  let lastError: Error | undefined;
  const streamArn = (): string | undefined => document?.streamArn ?? files.streamArn();

  const writeLoop = async (): Promise<void> => {
    try {
      while (dirty) {
        const arn = streamArn();
        if (arn === undefined) return;
        dirty = false;
        const next: CheckpointDocument = {
          version: 1,
          streamArn: arn,
          functionName: document?.functionName ?? files.functionName,
          updatedAt: new Date().toISOString(),
          shards,
        };
        try {
          await writeFileAtomic(files.file, `${JSON.stringify(next, null, 2)}\n`);
          lastError = undefined;
        } catch (error) {
          dirty = true;
          lastError = error as Error;
          files.onWriteError?.(lastError);
          return;
        }
      }
    } finally {
      writing = undefined;
    }
  };

  return {
    advance(shardId, sequenceNumber) {
      shards[shardId] = { sequenceNumber };
      dirty = true;
      writing ??= writeLoop();
    },
    async flush() {
      if (dirty) writing ??= writeLoop();
      while (writing) await writing;
      if (dirty && lastError) throw lastError;
    },
    positions: () =>
      Object.fromEntries(
        Object.entries(shards).map(([shardId, checkpoint]) => [shardId, checkpoint.sequenceNumber as string]),
      ),
  };
}
