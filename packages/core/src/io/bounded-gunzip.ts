/**
 * Gzip inflation with a ceiling on the inflated bytes, for files a config points at: a gzip stream can expand about
 * 1000-fold (1 MB of zeros becomes 1 GiB), so the limit is enforced while inflating, never after. Every problem is a
 * `KdInputError` naming the file.
 */
import { createReadStream } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import { KdInputError } from '../errors/errors.js';

export interface InflateLimit {
  /** The most bytes one gzip file may inflate to. */
  readonly maxBytes: number;
  /** The setting that holds the limit, named in messages (e.g. `/dataset/maxInflatedBytes`). */
  readonly setting: string;
}

/** Output chunks of 64 KiB: few objects for files of hundreds of MB, and an overshoot past the limit of at most that. */
const CHUNK = 64 * 1024;

/** "N bytes (M MiB, " for a limit of a MiB or more, else "N bytes (". */
function amount(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes} bytes (${+(bytes / (1024 * 1024)).toFixed(1)} MiB, ` : `${bytes} bytes (`;
}

function tooLarge(label: string, limit: InflateLimit, compressedBytes?: number): KdInputError {
  const at = compressedBytes === undefined ? '' : ` (stopped at compressed byte offset ${compressedBytes})`;
  return new KdInputError(
    `${label}: gzip data inflates to more than ${amount(limit.maxBytes)}the limit ${limit.setting})${at}: ` +
      `expected data that inflates to at most the limit ` +
      `(a decompression bomb, or raise ${limit.setting} for a genuine file this large)`,
  );
}

function corrupt(label: string, e: unknown, compressedBytes?: number): KdInputError {
  const at = compressedBytes === undefined ? '' : ` after ${compressedBytes} compressed bytes`;
  return new KdInputError(`${label}: not a valid gzip file (${(e as Error).message}${at}): expected complete gzip-compressed data`);
}

function readError(label: string, e: unknown): KdInputError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new KdInputError(`${label}: file not found`);
  return new KdInputError(`${label}: cannot read (${(e as Error).message})`);
}

function checkLimit(limit: InflateLimit): void {
  if (!(Number.isSafeInteger(limit.maxBytes) && limit.maxBytes > 0)) {
    throw new RangeError(`inflate limit ${limit.setting} must be a positive integer, got ${limit.maxBytes}`);
  }
}

/**
 * The inflated chunks of a gzip file (all members), read and inflated as they are consumed. Throws a `KdInputError`
 * as soon as the total passes `limit.maxBytes`, so at most the limit plus one chunk is ever produced.
 */
export async function* gunzipFileChunks(file: string, limit: InflateLimit, label = file): AsyncGenerator<Buffer> {
  checkLimit(limit);
  const input = createReadStream(file);
  const gunzip = createGunzip({ chunkSize: CHUNK });
  let readFailed: unknown;
  input.on('error', (e) => {
    readFailed = e;
    gunzip.destroy(e);
  });
  input.pipe(gunzip);
  let total = 0;
  try {
    for await (const chunk of gunzip) {
      total += (chunk as Buffer).length;
      if (total > limit.maxBytes) throw tooLarge(label, limit, gunzip.bytesWritten);
      yield chunk as Buffer;
    }
  } catch (e) {
    if (e instanceof KdInputError) throw e;
    if (readFailed !== undefined) throw readError(label, readFailed);
    throw corrupt(label, e, gunzip.bytesWritten);
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/** A whole gzip file inflated into one buffer, refusing to inflate past `limit.maxBytes` (peak memory ≤ 2× the limit). */
export async function gunzipFileBounded(file: string, limit: InflateLimit, label = file): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of gunzipFileChunks(file, limit, label)) {
    chunks.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(chunks, total);
}

/** Inflates gzip bytes held in memory, refusing to inflate past `limit.maxBytes`. `label` names the data in messages. */
export function gunzipBounded(bytes: Uint8Array, label: string, limit: InflateLimit): Buffer {
  checkLimit(limit);
  try {
    return gunzipSync(bytes, { maxOutputLength: limit.maxBytes, chunkSize: CHUNK });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(label, limit);
    throw corrupt(label, e);
  }
}
