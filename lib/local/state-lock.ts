/**
 * One `kpipe local` per state folder: two runs sharing `.local/` would mix their lakes and checkpoints.
 * The lock is a file holding the owner's PID, created exclusively; a lock whose PID no longer runs (a crashed
 * or killed run) is taken over, so nothing stays stuck.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'kpipe-local.lock';

export class StateLockedError extends Error {
  constructor(
    readonly directory: string,
    readonly pid: number,
  ) {
    super(
      `another kpipe local (PID ${pid}) is using ${directory}: wait for it to finish, stop it ` +
        `(kill -INT ${pid}), or give this run its own folder with --state-dir <dir>`,
    );
    this.name = 'StateLockedError';
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock for this process; returns the release function. */
export function lockStateDirectory(directory: string, pid = process.pid): () => void {
  mkdirSync(directory, { recursive: true });
  const file = join(directory, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(file, `${pid}\n`, { flag: 'wx' });
      return () => {
        // Only our own lock is removed (a taken-over one belongs to the new owner).
        if (readOwner(file) === pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(file);
    if (owner !== undefined && running(owner)) throw new StateLockedError(directory, owner);
    // A stale lock (its run is gone) or an unreadable one: remove it and try again.
    rmSync(file, { force: true });
  }
  throw new Error(`cannot take the lock ${file}: it keeps reappearing; is another kpipe local starting?`);
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
