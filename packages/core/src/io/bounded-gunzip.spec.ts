import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { isInputError } from '../errors/errors.js';
import { gunzipBounded, gunzipFileBounded, gunzipFileChunks } from './bounded-gunzip.js';

const MiB = 1024 * 1024;
const limit = (maxBytes: number) => ({ maxBytes, setting: '/dataset/maxInflatedBytes' });

/** `bytes` zeros gzip-compressed into `file`, streamed: the test never holds the inflated data. */
async function zeroBomb(file: string, bytes: number): Promise<void> {
  const block = Buffer.alloc(MiB);
  let left = bytes;
  const zeros = Readable.from(
    (function* () {
      while (left > 0) {
        const n = Math.min(left, MiB);
        left -= n;
        yield n === MiB ? block : block.subarray(0, n);
      }
    })(),
  );
  await pipeline(zeros, createGzip({ level: 9 }), createWriteStream(file));
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isInputError(e), String(e)).toBe(true);
  return e as Error;
}

describe('bounded gunzip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kd-gunzip-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));

  it('inflates a file, and gzip bytes in memory, within the limit (the limit itself is allowed)', async () => {
    const file = join(dir, 'ok.gz');
    writeFileSync(file, gzipSync(data));
    expect((await gunzipFileBounded(file, limit(data.length))).equals(data)).toBe(true);
    expect(gunzipBounded(gzipSync(data), 'mem', limit(data.length)).equals(data)).toBe(true);
  });

  it('reads every member of a multi-member file', async () => {
    const file = join(dir, 'two.gz');
    writeFileSync(file, Buffer.concat([gzipSync(data.subarray(0, 1000)), gzipSync(data.subarray(1000))]));
    expect((await gunzipFileBounded(file, limit(MiB))).equals(data)).toBe(true);
  });

  it('one byte over the limit is refused, naming the file, the limit, its setting and the compressed offset', async () => {
    const file = join(dir, 'over.gz');
    writeFileSync(file, gzipSync(data));
    const e = await rejection(gunzipFileBounded(file, limit(data.length - 1)));
    expect(e.message).toMatch(new RegExp(`^${file}: gzip data inflates to more than ${data.length - 1} bytes`));
    expect(e.message).toContain('/dataset/maxInflatedBytes');
    expect(e.message).toMatch(/stopped at compressed byte offset \d+/);
    expect(() => gunzipBounded(gzipSync(data), 'mem.gz', limit(1000))).toThrow(/^mem\.gz: gzip data inflates to more than 1000 bytes/);
  });

  it('stops a 1 GiB bomb after the limit: the chunks produced never pass it by more than one chunk', async () => {
    const file = join(dir, 'bomb.gz');
    await zeroBomb(file, 1024 * MiB);
    let produced = 0;
    const e = await rejection(
      (async () => {
        for await (const chunk of gunzipFileChunks(file, limit(8 * MiB))) produced += chunk.length;
      })(),
    );
    expect(e.message).toContain('inflates to more than 8388608 bytes (8 MiB');
    expect(produced).toBeLessThanOrEqual(8 * MiB);
    // The sync path stops too (zlib's maxOutputLength), without allocating the gigabyte.
    const before = process.memoryUsage().arrayBuffers;
    expect(() => gunzipBounded(readFileSync(file), 'bomb', limit(8 * MiB))).toThrow(/inflates to more than/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * MiB);
  });

  it('truncated, corrupt and missing files are input errors naming the file', async () => {
    const gz = gzipSync(data);
    const cut = join(dir, 'cut.gz');
    writeFileSync(cut, gz.subarray(0, gz.length >> 1));
    expect((await rejection(gunzipFileBounded(cut, limit(MiB)))).message).toMatch(
      new RegExp(
        `^${cut}: not a valid gzip file \\(unexpected end of file after \\d+ compressed bytes\\): expected complete gzip-compressed data$`,
      ),
    );
    const bad = join(dir, 'bad.gz');
    writeFileSync(bad, Buffer.concat([gz.subarray(0, 10), Buffer.alloc(50, 0xff)]));
    expect((await rejection(gunzipFileBounded(bad, limit(MiB)))).message).toMatch(new RegExp(`^${bad}: not a valid gzip file`));
    expect((await rejection(gunzipFileBounded(join(dir, 'none.gz'), limit(MiB)))).message).toBe(`${join(dir, 'none.gz')}: file not found`);
    expect(() => gunzipBounded(gz.subarray(0, 20), 'm.gz', limit(MiB))).toThrow(/^m\.gz: not a valid gzip file/);
  });

  it('a limit that is not a positive integer is a programming error', async () => {
    await expect(gunzipFileBounded(join(dir, 'x'), limit(0))).rejects.toThrow(RangeError);
    expect(() => gunzipBounded(gzipSync(data), 'm', limit(Number.NaN))).toThrow(RangeError);
  });
});
