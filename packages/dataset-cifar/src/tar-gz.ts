import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipFileChunks, isInputError, KdInputError } from '@kd/core';
import * as tar from 'tar-stream';

/**
 * The regular files of a .tar.gz whose base name is in `wanted`, keyed by base name (the official archives hold
 * one folder; any folder is accepted). The archive is inflated as a stream that stops once it has produced
 * `maxInflatedBytes` (a gzip bomb inflates a thousandfold); only the wanted entries are kept, so memory stays below
 * the limit plus the entries themselves.
 */
export async function readTarGzEntries(
  file: string,
  wanted: ReadonlySet<string>,
  maxInflatedBytes: number,
): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  const extract = tar.extract();
  const collected = (async () => {
    for await (const entry of extract) {
      const base = posix.basename(entry.header.name);
      if (entry.header.type === 'file' && wanted.has(base) && !found.has(base)) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        found.set(base, new Uint8Array(Buffer.concat(chunks)));
      } else {
        entry.resume();
      }
    }
  })();
  const inflated = Readable.from(gunzipFileChunks(file, { maxBytes: maxInflatedBytes, setting: '/dataset/maxInflatedBytes' }));
  const [fed, read] = await Promise.allSettled([pipeline(inflated, extract), collected]);
  // The gzip layer's error (a bomb, corrupt or truncated gzip, a missing file) explains the tar layer's, which follows from it.
  for (const r of [fed, read]) if (r.status === 'rejected' && isInputError(r.reason)) throw archiveError(file, r.reason as Error);
  for (const r of [fed, read]) {
    if (r.status === 'rejected') {
      throw new KdInputError(
        `${file}: corrupt tar archive inside the gzip (${(r.reason as Error).message}): expected the official gzip-compressed tar archive`,
      );
    }
  }
  return found;
}

/** The gzip layer's message, with what the file should have been. */
function archiveError(file: string, e: Error): KdInputError {
  if (/: file not found$/.test(e.message)) return new KdInputError(`${file}: archive not found`);
  return e as KdInputError;
}
