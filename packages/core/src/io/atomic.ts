import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { KdRunError, isInputError, isRunError } from '../errors/errors.js';

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some file systems refuse directory fsync; the rename is still atomic */
  }
}

/**
 * A failed write (a full disk, a permission) as a message naming the file, without a stack: the user needs the
 * path and the reason, and the earlier content is untouched.
 */
function writeFailure(target: string, e: unknown): KdRunError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOSPC' ? 'the disk is full' : err.code === 'EDQUOT' ? 'the disk quota is exhausted' : err.message;
  const failure = new KdRunError(`${target}: could not be written (${why}); the previous version, if any, is intact`);
  return Object.assign(failure, { code: err.code });
}

/** Writes a file so that readers see the old or the new content, never a torn one (tmp + fsync + rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw writeFailure(file, e);
  }
  fsyncDir(dirname(file));
}

/**
 * Writes a whole directory atomically: `fill` writes into a temporary sibling, which is renamed into place only
 * when complete. An existing directory at `dir` is replaced.
 */
export function writeDirAtomic(dir: string, fill: (tmpDir: string) => void): void {
  const parent = dirname(dir);
  const tmp = join(parent, `.${basename(dir)}.${process.pid}.tmp`);
  const old = join(parent, `.${basename(dir)}.${process.pid}.old`);
  try {
    mkdirSync(parent, { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    fill(tmp);
    fsyncDir(tmp);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw isRunError(e) || isInputError(e) ? e : writeFailure(dir, e);
  }
  let moved = false;
  try {
    renameSync(dir, old);
    moved = true;
  } catch {
    /* nothing to replace */
  }
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Put the previous version back rather than leave neither.
    if (moved) renameSync(old, dir);
    rmSync(tmp, { recursive: true, force: true });
    throw writeFailure(dir, e);
  }
  if (moved) rmSync(old, { recursive: true, force: true });
  fsyncDir(parent);
}
