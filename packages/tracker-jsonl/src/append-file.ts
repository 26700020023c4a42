import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A file that only grows by whole lines. Each record goes out in one write(2) on an O_APPEND descriptor, so
 * concurrent readers never see two records interleaved; a crash can at worst leave a torn last line, which the next
 * writer cuts off before appending (the file then ends at the last complete record).
 */
export class LineAppender {
  private readonly fd: number;

  constructor(
    readonly path: string,
    header?: string,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    const existed = existsSync(path);
    this.fd = openSync(path, 'a+');
    if (existed) cutTornTail(this.fd);
    if (header !== undefined && fstatSync(this.fd).size === 0) this.append(header);
  }

  append(line: string): void {
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    let written = 0;
    // Regular files take a whole buffer in one call; the loop only guards against a short write (a full disk).
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
  }

  close(): void {
    closeSync(this.fd);
  }
}

function cutTornTail(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const chunk = Buffer.alloc(Math.min(size, 65536));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const i = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (i >= 0) {
      if (start + i + 1 < size) ftruncateSync(fd, start + i + 1);
      return;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
}
