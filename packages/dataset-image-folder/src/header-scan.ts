import { isInputError, KdInputError } from '@kd/core';
import { checkPng } from './decode-image.js';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { inspectImage, type ByteRange } from './image-header.js';
import { readError } from './image-reader.js';

/** First read of each file: the PNG header and most JPEG header segments (EXIF included) fit. */
const HEAD_BYTES = 16 * 1024;
/** Later reads, where a JPEG's segments continue past the first read, or a PNG's last 12 bytes. */
const MORE_BYTES = 4 * 1024;
/** Files inspected at once: enough to keep a disk's queue busy, few enough for the descriptor limit. */
const DEFAULT_CONCURRENCY = 16;
/** Bad files listed beside the first in the error. */
const LISTED = 9;

/** The problem with one file (a message naming it), or undefined when its header is fine. */
export async function checkImageHeader(path: string, maxMegapixels: number): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    // Non-blocking: opening a FIFO named like an image would otherwise wait for a writer forever.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return readError(path, e).message;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return `${path}: not a regular file: expected a JPEG or PNG image file`;
    const size = stat.size;
    const loaded: { offset: number; bytes: Uint8Array }[] = [];
    const at: ByteRange = (offset, length) => {
      for (const w of loaded) {
        if (offset >= w.offset && offset + length <= w.offset + w.bytes.length)
          return w.bytes.subarray(offset - w.offset, offset - w.offset + length);
      }
      return undefined;
    };
    for (let want = { offset: 0, length: HEAD_BYTES }; ;) {
      const length = Math.min(want.length, size - want.offset);
      const bytes = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(bytes, 0, length, want.offset);
      if (bytesRead < length)
        return `${path}: the file shrank while being read (${size} bytes when opened): expected a file that is not being written`;
      loaded.push({ offset: want.offset, bytes });
      const found = inspectImage(at, size, maxMegapixels);
      if ('problem' in found) return `${path}: ${found.problem}`;
      if ('header' in found) {
        // An interlaced PNG can hide a zlib bomb behind a small size: inflate its data, bounded, as the decoders do.
        // Such files are rare, so reading them whole costs little.
        if (found.header?.interlaced) checkPng(await handle.readFile(), path, maxMegapixels);
        return undefined;
      }
      want = { offset: found.need, length: MORE_BYTES };
    }
  } catch (e) {
    return isInputError(e) ? e.message : readError(path, e).message;
  } finally {
    await handle.close();
  }
}

/**
 * Checks the header of every file before training (signature, declared size against `maxMegapixels`, the structure a
 * header shows; see `inspectImage`), reading a few KiB of each. Throws one `KdInputError` naming the first bad file in
 * list order, followed by up to nine more and their count.
 */
export async function scanImageHeaders(paths: readonly string[], maxMegapixels: number, concurrency = DEFAULT_CONCURRENCY): Promise<void> {
  const problems: (string | undefined)[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      problems[i] = await checkImageHeader(paths[i]!, maxMegapixels);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  const bad = problems.filter((p): p is string => p !== undefined);
  if (!bad.length) return;
  const more = bad.slice(1);
  throw new KdInputError(
    bad[0]!,
    more.length
      ? [
          `${more.length} more of the ${paths.length} image files fail the header check${more.length > LISTED ? `, the first ${LISTED}` : ''}:`,
          ...more.slice(0, LISTED),
        ]
      : [],
  );
}
