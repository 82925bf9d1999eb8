/**
 * Checkpoints of the emulated event source mapping: one entry per shard (plus per partition-key lane with a
 * parallelization factor above 1, and the open tumbling windows), kept in memory and persisted to a JSON
 * file with an atomic write (temporary file + rename), so a restart resumes where the last run stopped.
 * Writes are coalesced: at most one is in flight, and the latest state always follows it.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WindowCheckpoint {
  /** Epoch milliseconds. */
  startMs: number;
  endMs: number;
  state: Record<string, unknown>;
}

export interface ShardCheckpoint {
  /** Every record up to and including this sequence number is processed or skipped. */
  sequenceNumber?: string;
  /** The shard is closed and fully processed; its children may start. */
  shardEnd?: boolean;
  /** The factor the lanes below were cut with; lanes are ignored when it changes. */
  parallelizationFactor?: number;
  /** Lane → last sequence number processed in that lane, when ahead of `sequenceNumber`. */
  lanes?: Record<string, string>;
  /** Lane → open tumbling window. */
  windows?: Record<string, WindowCheckpoint>;
}

export interface CheckpointDocument {
  version: 1;
  streamArn: string;
  functionName: string;
  updatedAt: string;
  shards: Record<string, ShardCheckpoint>;
}

export class CheckpointFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`checkpoint file ${file}: ${problem}`);
    this.name = 'CheckpointFileError';
  }
}

let temporaryCounter = 0;

/** Writes `text` to `file` so that readers see the old or the new content, never a torn one. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // Stryker disable next-line AssignmentOperator: equivalent, counting down keeps the names unique too
  temporaryCounter += 1;
  const temporary = `${file}.${process.pid}.${temporaryCounter}.tmp`;
  try {
    // Stryker disable next-line StringLiteral: equivalent, Node writes a string as UTF-8 by default
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, file);
  } catch (error) {
    // Cleanup must not hide why the write failed (rm fails too when the name is too long, say).
    // Stryker disable next-line BooleanLiteral,ObjectLiteral: equivalent, rm's own failure is ignored
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a checkpoint file; undefined when there is none. Throws CheckpointFileError when it is unusable. */
export async function readCheckpointFile(file: string): Promise<CheckpointDocument | undefined> {
  let text: string;
  try {
    // Stryker disable next-line StringLiteral: equivalent, JSON.parse reads the Buffer it would get as UTF-8
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new CheckpointFileError(file, `not JSON (${(error as Error).message})`);
  }
  if (!isObject(document) || document.version !== 1 || !isObject(document.shards)) {
    throw new CheckpointFileError(file, 'not a version 1 checkpoint document');
  }
  for (const [shardId, checkpoint] of Object.entries(document.shards)) {
    if (!isObject(checkpoint)) throw new CheckpointFileError(file, `shards.${shardId} is not an object`);
    if (checkpoint.sequenceNumber !== undefined && !/^\d+$/.test(String(checkpoint.sequenceNumber))) {
      throw new CheckpointFileError(file, `shards.${shardId}.sequenceNumber is not a sequence number`);
    }
  }
  return document as unknown as CheckpointDocument;
}

export interface CheckpointStoreOptions {
  /** Without a file, checkpoints live in memory only. */
  file?: string;
  streamArn: string;
  functionName: string;
  now?: () => number;
  /** Called when a write fails; the store keeps the state and tries again on the next change. */
  onWriteError?: (error: Error) => void;
}

export class CheckpointStore {
  private shards: Record<string, ShardCheckpoint> = {};
  private dirty = false;
  private writing: Promise<void> | undefined;
  private lastError: Error | undefined;
  private readonly now: () => number;

  constructor(private readonly options: CheckpointStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  get file(): string | undefined {
    return this.options.file;
  }

  /** Loads the file, refusing one written for another stream or function (it would skip or replay data). */
  async load(): Promise<void> {
    const { file, streamArn, functionName } = this.options;
    if (!file) return;
    const document = await readCheckpointFile(file);
    if (!document) return;
    if (document.streamArn !== streamArn || document.functionName !== functionName) {
      throw new CheckpointFileError(
        file,
        `belongs to ${document.functionName} on ${document.streamArn}, not ${functionName} on ${streamArn}; remove it to start over`,
      );
    }
    this.shards = document.shards;
  }

  get(shardId: string): ShardCheckpoint | undefined {
    return this.shards[shardId];
  }

  all(): Readonly<Record<string, ShardCheckpoint>> {
    return this.shards;
  }

  /** Replaces a shard's checkpoint and schedules a write. */
  set(shardId: string, checkpoint: ShardCheckpoint): void {
    this.shards[shardId] = checkpoint;
    this.dirty = true;
    if (this.options.file && !this.writing) this.writing = this.writeLoop();
  }

  /** Resolves when everything set so far is on disk; rejects with the last write error. */
  async flush(): Promise<void> {
    if (!this.options.file) return;
    if (this.dirty && !this.writing) this.writing = this.writeLoop();
    while (this.writing) await this.writing;
    // After the loop, dirty means its last write failed, which set lastError: `||` would change nothing.
    // Stryker disable next-line LogicalOperator: equivalent, see above
    if (this.dirty && this.lastError) throw this.lastError;
  }

  private async writeLoop(): Promise<void> {
    const file = this.options.file!;
    try {
      while (this.dirty) {
        this.dirty = false;
        const document: CheckpointDocument = {
          version: 1,
          streamArn: this.options.streamArn,
          functionName: this.options.functionName,
          updatedAt: new Date(this.now()).toISOString(),
          shards: this.shards,
        };
        try {
          await writeFileAtomic(file, `${JSON.stringify(document, null, 2)}\n`);
          this.lastError = undefined;
        } catch (error) {
          this.dirty = true;
          this.lastError = error as Error;
          this.options.onWriteError?.(this.lastError);
          return;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
