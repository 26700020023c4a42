import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isInputError, KdInputError } from '@kd/core';
import {
  encodeIdx,
  gunzipIfNeeded,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  isGzip,
  parseIdx,
  parseIdxImages,
  parseIdxLabels,
  readIdxImages,
  readIdxLabels,
  readIdxSplit,
} from './idx-reader.js';
import { encodeIdxHeader, MiB, writeGzipBomb } from '../test/gzip-bomb.js';

/** 2 images of 2×3 pixels, written out byte by byte. */
const IMAGES = Uint8Array.from([
  0x00,
  0x00,
  0x08,
  0x03, // magic 0x00000803
  0x00,
  0x00,
  0x00,
  0x02, // count 2
  0x00,
  0x00,
  0x00,
  0x02, // rows 2
  0x00,
  0x00,
  0x00,
  0x03, // cols 3
  0,
  1,
  2,
  3,
  4,
  5, // image 0
  250,
  251,
  252,
  253,
  254,
  255, // image 1
]);
const LABELS = Uint8Array.from([0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x02, 7, 3]);

function expectInputError(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(KdInputError);
  expect(isInputError(error)).toBe(true);
  expect((error as KdInputError).exitCode).toBe(2);
  for (const p of parts) expect((error as Error).message).toMatch(p);
}

/** A limit far above these tiny files. */
const MAX = 1 << 20;
const gzip = (bytes: Uint8Array) => new Uint8Array(gzipSync(bytes));

describe('parseIdx', () => {
  it('reads a hand-built image file exactly', () => {
    const images = parseIdxImages(IMAGES, 'images.idx');
    expect(images.count).toBe(2);
    expect(images.rows).toBe(2);
    expect(images.cols).toBe(3);
    expect(Array.from(images.pixels)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    const raw = parseIdx(IMAGES, 'images.idx');
    expect(raw.magic).toBe(IDX_IMAGES_MAGIC);
    expect(raw.dims).toEqual([2, 2, 3]);
  });

  it('reads a hand-built label file exactly', () => {
    const labels = parseIdxLabels(LABELS, 'labels.idx');
    expect(labels.count).toBe(2);
    expect(Array.from(labels.labels)).toEqual([7, 3]);
    expect(parseIdx(LABELS, 'labels.idx').magic).toBe(IDX_LABELS_MAGIC);
  });

  it('reads gzip-compressed buffers once inflated by gunzipIfNeeded (plain buffers pass through)', () => {
    const gz = gzip(IMAGES);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(IMAGES)).toBe(false);
    expect(gunzipIfNeeded(IMAGES, 'images.idx', MAX)).toBe(IMAGES);
    const images = parseIdxImages(gunzipIfNeeded(gz, 'images.idx.gz', MAX), 'images.idx.gz', true);
    expect(Array.from(images.pixels)).toEqual(Array.from(IMAGES.subarray(16)));
    expect(Array.from(parseIdxLabels(gunzipIfNeeded(gzip(LABELS), 'labels.gz', MAX), 'labels.gz', 10, true).labels)).toEqual([7, 3]);
  });

  it('gzip data handed to the parser uninflated: bad magic, saying it is gzip', () => {
    expectInputError(
      () => parseIdxImages(gzip(IMAGES), 'x.gz'),
      /^x\.gz: bad magic number 0x1f8b0800, expected 0x00000803/,
      'gzip-compressed data, not inflated',
    );
  });

  it('gunzipIfNeeded stops at maxInflatedBytes, naming the file and the option', () => {
    expect(gunzipIfNeeded(gzip(IMAGES), 'i.gz', IMAGES.length)).toHaveLength(IMAGES.length);
    expectInputError(
      () => gunzipIfNeeded(gzip(IMAGES), 'i.gz', IMAGES.length - 1),
      /^i\.gz: gzip data inflates to more than 27 bytes/,
      '/dataset/maxInflatedBytes',
    );
  });

  it('encodeIdx is the inverse of parseIdx', () => {
    expect(Array.from(encodeIdx([2, 2, 3], IMAGES.subarray(16)))).toEqual(Array.from(IMAGES));
    expect(Array.from(encodeIdx([2], Uint8Array.from([7, 3])))).toEqual(Array.from(LABELS));
  });
});

describe('malformed files', () => {
  it('bad magic: a label file read as images', () => {
    expectInputError(
      () => parseIdxImages(LABELS, 'train-images-idx3-ubyte'),
      'train-images-idx3-ubyte:',
      'bad magic',
      '0x00000801',
      'expected 0x00000803',
      'label file',
    );
  });

  it('bad magic: an image file read as labels', () => {
    expectInputError(() => parseIdxLabels(IMAGES, 'my-labels.gz'), /^my-labels\.gz:/, 'expected 0x00000801');
  });

  it('bad magic: not an IDX file at all', () => {
    expectInputError(() => parseIdx(new TextEncoder().encode('hello world'), 'notes.txt'), /^notes\.txt:/, 'bad magic');
  });

  it('truncated before the magic number', () => {
    expectInputError(() => parseIdxImages(IMAGES.subarray(0, 3), 'short.idx'), /^short\.idx:/, 'truncated');
  });

  it('truncated header: which dimension is cut off, at which byte offset', () => {
    expectInputError(
      () => parseIdxImages(IMAGES.subarray(0, 10), 'hdr.idx'),
      /^hdr\.idx:/,
      'truncated IDX header',
      'expected 16 bytes',
      'dimension 1 at byte offset 8',
    );
  });

  it('truncated data: the index and byte offset of the first incomplete image', () => {
    expectInputError(
      () => parseIdxImages(IMAGES.subarray(0, IMAGES.length - 1), 'cut.idx'),
      /^cut\.idx:/,
      'truncated IDX data',
      'need 12 bytes',
      'found 11',
      // Header 16 bytes, image 0 at 16..21, image 1 at 22..27 with its last byte missing.
      'image 1 of 2 (6 bytes at byte offset 22) is cut off after 5 bytes; 1 complete image',
    );
    expectInputError(() => parseIdxImages(IMAGES.subarray(0, 22), 'short.idx'), 'image 1 of 2 (6 bytes at byte offset 22) is missing');
    expectInputError(
      () => parseIdxImages(IMAGES.subarray(0, 16), 'empty.idx'),
      'image 0 of 2 (6 bytes at byte offset 16) is missing; 0 complete images',
    );
    expectInputError(() => parseIdxLabels(LABELS.subarray(0, 9), 'labels.idx'), 'label 1 of 2 (1 byte at byte offset 9) is missing');
  });

  it('truncated gzip data: offsets are of the decompressed data', () => {
    const gz = gunzipIfNeeded(gzip(IMAGES.subarray(0, 19)), 'cut.gz', MAX);
    expectInputError(
      () => parseIdxImages(gz, 'cut.gz', true),
      /^cut\.gz:/,
      'image 0 of 2 (6 bytes at byte offset 16 of the decompressed data) is cut off after 3 bytes',
    );
  });

  it('trailing bytes: where they start', () => {
    const long = Uint8Array.from([...LABELS, 1]);
    expectInputError(() => parseIdxLabels(long, 'long.idx'), /^long\.idx:/, '1 unexpected bytes after the IDX data, from byte offset 10');
  });

  it('corrupt gzip', () => {
    expectInputError(() => gunzipIfNeeded(gzip(IMAGES).subarray(0, 20), 'broken.gz', MAX), /^broken\.gz:/, 'not a valid gzip file');
  });

  it('label out of range', () => {
    const bad = Uint8Array.from([...LABELS.subarray(0, 8), 3, 10]);
    // Label i is the byte at offset 8 + i (4-byte magic, 4-byte count).
    expectInputError(
      () => parseIdxLabels(bad, 'labels.idx'),
      /^labels\.idx:/,
      'label 10 at index 1 (byte offset 9) is out of range',
      '0..9',
    );
    expect(parseIdxLabels(bad, 'labels.idx', 11).labels[1]).toBe(10);
    expectInputError(
      () => parseIdxLabels(gunzipIfNeeded(gzip(bad), 'labels.gz', MAX), 'labels.gz', 10, true),
      'label 10 at index 1 (byte offset 9 of the decompressed data) is out of range',
    );
  });
});

describe('reading files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kd-idx-reader-'));
    writeFileSync(join(dir, 'images'), IMAGES);
    writeFileSync(join(dir, 'images.gz'), gzipSync(IMAGES));
    writeFileSync(join(dir, 'labels.gz'), gzipSync(LABELS));
    writeFileSync(join(dir, 'three-labels'), encodeIdx([3], Uint8Array.from([1, 2, 3])));
    writeFileSync(join(dir, 'broken.gz'), gzipSync(IMAGES).subarray(0, 25));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads plain and gzip files', async () => {
    const plain = await readIdxImages(join(dir, 'images'), { maxInflatedBytes: MAX });
    const gz = await readIdxImages(join(dir, 'images.gz'), { maxInflatedBytes: MAX });
    expect(Array.from(gz.pixels)).toEqual(Array.from(plain.pixels));
    expect(Array.from((await readIdxLabels(join(dir, 'labels.gz'), { numClasses: 10, maxInflatedBytes: MAX })).labels)).toEqual([7, 3]);
  });

  it('pairs images with labels and applies a limit', async () => {
    const split = await readIdxSplit(join(dir, 'images.gz'), join(dir, 'labels.gz'), { limit: 1, numClasses: 10, maxInflatedBytes: MAX });
    expect(split.count).toBe(1);
    expect(Array.from(split.pixels)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(split.labels)).toEqual([7]);
  });

  it('image/label count mismatch names both files', async () => {
    const images = join(dir, 'images');
    const labels = join(dir, 'three-labels');
    const e = await readIdxSplit(images, labels, { numClasses: 10, maxInflatedBytes: MAX }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(KdInputError);
    expect((e as Error).message).toBe(`${images} has 2 images but ${labels} has 3 labels: expected the same count`);
  });

  it('errors in a gzip file read from disk give offsets of the decompressed data', async () => {
    const file = join(dir, 'bad-labels.gz');
    writeFileSync(file, gzipSync(Uint8Array.from([...LABELS.subarray(0, 8), 12, 3])));
    await expect(readIdxLabels(file, { numClasses: 10, maxInflatedBytes: MAX })).rejects.toThrow(
      `${file}: label 12 at index 0 (byte offset 8 of the decompressed data) is out of range`,
    );
    const cut = join(dir, 'cut-images.gz');
    writeFileSync(cut, gzipSync(IMAGES.subarray(0, 25)));
    await expect(readIdxImages(cut, { maxInflatedBytes: MAX })).rejects.toThrow(
      'image 1 of 2 (6 bytes at byte offset 22 of the decompressed data) is cut off after 3 bytes',
    );
  });

  it('missing and corrupt files', async () => {
    const missing = join(dir, 'nope.gz');
    await expect(readIdxImages(missing, { maxInflatedBytes: MAX })).rejects.toThrow(`${missing}: file not found`);
    await expect(readIdxImages(join(dir, 'broken.gz'), { maxInflatedBytes: MAX })).rejects.toThrow(/broken\.gz: not a valid gzip file/);
    await expect(readIdxImages(join(dir, 'broken.gz'), { maxInflatedBytes: MAX })).rejects.toBeInstanceOf(KdInputError);
  });

  it('a gzip bomb (a valid header, then 1 GiB of zeros in 1 MB) stops at maxInflatedBytes, before parsing', async () => {
    const file = join(dir, 'bomb-images-idx3-ubyte.gz');
    // 1,369,000 images of 28×28 declared: 1 GiB of data, consistent with the header.
    await writeGzipBomb(file, encodeIdxHeader([1_369_000, 28, 28]), 1024 * MiB);
    expect(statSync(file).size).toBeLessThan(2 * MiB);
    const rss = process.memoryUsage().rss;
    const e = await readIdxImages(file, { maxInflatedBytes: 16 * MiB }).catch((err: unknown) => err);
    expect(isInputError(e), String(e)).toBe(true);
    expect((e as Error).message).toMatch(
      new RegExp(`^${file}: gzip data inflates to more than 16777216 bytes \\(16 MiB, the limit /dataset/maxInflatedBytes\\)`),
    );
    // Far less than the gigabyte: the inflation stopped at the limit.
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * MiB);
  });
});
