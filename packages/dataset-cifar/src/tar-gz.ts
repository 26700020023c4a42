import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { KdInputError } from '@kd/core';
import * as tar from 'tar-stream';

/**
 * The regular files of a .tar.gz whose base name is in `wanted`, keyed by base name (the official archives hold
 * one folder; any folder is accepted). The archive is inflated in memory: CIFAR archives are at most ~180 MB.
 */
export async function readTarGzEntries(file: string, wanted: ReadonlySet<string>): Promise<Map<string, Uint8Array>> {
  let tarBytes: Buffer;
  try {
    tarBytes = gunzipSync(await readFile(file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new KdInputError(`${file}: archive not found`);
    throw new KdInputError(`${file}: not a readable .tar.gz (${(e as Error).message}); expected the official gzip-compressed tar archive`);
  }
  const found = new Map<string, Uint8Array>();
  const extract = tar.extract();
  const done = (async () => {
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
  extract.end(tarBytes);
  try {
    await done;
  } catch (e) {
    throw new KdInputError(`${file}: corrupt tar archive inside the gzip (${(e as Error).message})`);
  }
  return found;
}
