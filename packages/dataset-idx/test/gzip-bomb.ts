import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export const MiB = 1024 * 1024;

/** The 4 + 4·rank header of an unsigned-byte IDX file with these dimensions. */
export function encodeIdxHeader(dims: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return out;
}

/**
 * `head` followed by `zeros` zero bytes, gzip-compressed into `file` as a stream, so that writing a 1 GiB bomb holds
 * 1 MiB at a time (1 GiB of zeros compresses to about 1 MB).
 */
export async function writeGzipBomb(file: string, head: Uint8Array, zeros: number): Promise<void> {
  const block = Buffer.alloc(MiB);
  function* chunks() {
    yield Buffer.from(head);
    for (let left = zeros; left > 0; left -= MiB) yield left >= MiB ? block : block.subarray(0, left);
  }
  await pipeline(Readable.from(chunks()), createGzip({ level: 9 }), createWriteStream(file));
}
