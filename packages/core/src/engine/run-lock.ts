import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { KdInputError } from '../errors/errors.js';

export const LOCK_FILE = '.kd-lock';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? (v as LockOwner) : null;
  } catch {
    return null;
  }
}

/**
 * An exclusive lock on a run directory for the life of one run: two `kd run --resume` on the same directory would
 * otherwise both train and interleave their lines in metrics.jsonl. The lock is a file created with O_EXCL holding
 * the owner's pid and host; a lock whose process is gone (same host) is stale and taken over. A lock from another
 * host cannot be checked from here, so it is refused with the way out.
 */
export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(readonly file: string) {
    process.on('exit', this.onExit);
  }

  /** Takes the lock or throws a KdInputError naming the holder. `warn` hears about a stale lock taken over. */
  static acquire(dir: string, warn: (message: string) => void = () => {}): RunLock {
    const file = join(dir, LOCK_FILE);
    const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        try {
          writeSync(fd, JSON.stringify(me));
        } finally {
          closeSync(fd);
        }
        return new RunLock(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = readOwner(file);
      if (owner && owner.host !== me.host)
        throw new KdInputError(
          `${dir}: locked by process ${owner.pid} on host ${owner.host} since ${owner.startedAt}; if that run is no longer alive, delete ${file}`,
        );
      if (owner && owner.pid !== process.pid && isAlive(owner.pid))
        throw new KdInputError(
          `${dir}: another kd process (pid ${owner.pid}, since ${owner.startedAt}) is running in this directory; wait for it or stop it`,
        );
      // A dead owner, or a lock file torn by a kill between create and write: stale.
      warn(`${dir}: taking over a stale lock${owner ? ` of process ${owner.pid} (no longer running)` : ''}`);
      rmSync(file, { force: true });
    }
    throw new KdInputError(`${dir}: could not take the run lock ${file}`);
  }

  /**
   * Who is running in `dir` now: the lock's owner when it is a live process on this host, or any owner on another
   * host (which cannot be checked from here); null when nobody holds the lock or its owner is gone.
   */
  static holder(dir: string): LockOwner | null {
    const owner = readOwner(join(dir, LOCK_FILE));
    if (!owner) return null;
    return owner.host !== hostname() || isAlive(owner.pid) ? owner : null;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      const owner = readOwner(this.file);
      if (!owner || owner.pid === process.pid) rmSync(this.file, { force: true });
    } catch {
      /* the directory is gone: nothing to release */
    }
  }
}
