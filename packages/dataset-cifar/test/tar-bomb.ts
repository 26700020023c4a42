import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';

export const MiB = 1024 * 1024;

/**
 * A .tar.gz holding `folder/<name>` for each small file, then `folder/<bombName>` of `zeros` zero bytes, all streamed:
 * writing a 1 GiB member holds 1 MiB at a time, and the archive is about 1 MB.
 */
export async function writeTarGzBomb(
  file: string,
  folder: string,
  small: ReadonlyMap<string, Uint8Array>,
  bombName: string,
  zeros: number,
): Promise<void> {
  const pack = tar.pack();
  const written = pipeline(pack, createGzip({ level: 9 }), createWriteStream(file));
  for (const [name, bytes] of small) pack.entry({ name: `${folder}/${name}` }, Buffer.from(bytes));
  const entry = pack.entry({ name: `${folder}/${bombName}`, size: zeros });
  const block = Buffer.alloc(MiB);
  let left = zeros;
  for (; left > MiB; left -= MiB) if (!entry.write(block)) await new Promise<void>((r) => entry.once('drain', () => r()));
  entry.end(block.subarray(0, left));
  pack.finalize();
  await written;
}
