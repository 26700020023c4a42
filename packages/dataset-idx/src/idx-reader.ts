/**
 * Reader for IDX files, the format of MNIST and Fashion-MNIST: a big-endian header
 * `00 00 <type> <rank>` followed by `rank` uint32 dimensions and the row-major data. Only the
 * unsigned-byte type (0x08) is read: image files are rank 3 (magic 0x00000803, [count, rows, cols]),
 * label files rank 1 (magic 0x00000801, [count]). Files may be gzip-compressed (detected by the
 * magic bytes 1f 8b), and are then inflated with a limit on the inflated bytes: a gzip stream can expand a
 * thousandfold. Every problem is a `KdInputError` whose message starts with the file name.
 */
import { open, readFile } from 'node:fs/promises';
import { gunzipBounded, gunzipFileBounded, KdInputError, type InflateLimit } from '@kd/core';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;
const UBYTE = 0x08;

/** A decoded IDX array of unsigned bytes. */
export interface IdxArray {
  readonly magic: number;
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** A decoded image file: `count` images of `rows`×`cols` pixels, row-major, one byte each. */
export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly pixels: Uint8Array;
}

/** A decoded label file. */
export interface IdxLabels {
  readonly count: number;
  readonly labels: Uint8Array;
}

/** Images with their labels, checked against each other. */
export interface IdxSplitData extends IdxImages {
  readonly labels: Uint8Array;
}

function hex(magic: number): string {
  return `0x${(magic >>> 0).toString(16).padStart(8, '0')}`;
}

function describe(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return 'an IDX image file';
  if (magic === IDX_LABELS_MAGIC) return 'an IDX label file';
  if (magic >>> 16 === 0x1f8b) return 'gzip-compressed data, not inflated';
  return 'an unknown file type';
}

/** True when the buffer starts with the gzip magic bytes 1f 8b. */
export function isGzip(buffer: Uint8Array): boolean {
  return buffer.length >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
}

/** The option that limits inflation, as messages name it. */
function inflateLimit(maxInflatedBytes: number): InflateLimit {
  return { maxBytes: maxInflatedBytes, setting: '/dataset/maxInflatedBytes' };
}

/**
 * Decompresses a gzip buffer, refusing to inflate past `maxInflatedBytes` (checked while inflating); a plain buffer
 * is returned as is.
 */
export function gunzipIfNeeded(buffer: Uint8Array, file: string, maxInflatedBytes: number): Uint8Array {
  if (!isGzip(buffer)) return buffer;
  return new Uint8Array(gunzipBounded(buffer, file, inflateLimit(maxInflatedBytes)));
}

/** Where a byte offset points: into the file, or into the decompressed stream of a gzip file. */
function where(offset: number, gzipped: boolean): string {
  return gzipped ? `byte offset ${offset} of the decompressed data` : `byte offset ${offset}`;
}

/** What one record along the first dimension is called in messages. */
function recordName(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return 'image';
  if (magic === IDX_LABELS_MAGIC) return 'label';
  return 'record';
}

/**
 * Parses an uncompressed IDX buffer (inflate gzip data first with `gunzipIfNeeded`, which bounds it). With
 * `expectedMagic`, the header must carry that magic number; in any case the element type must be unsigned byte and
 * the data exactly as long as the dimensions say. Errors name the byte offset and, for data, the index of the first
 * incomplete record along the first dimension. `gz` says that `buf` was inflated from a gzip file (offsets
 * are then reported as of the decompressed data).
 */
export function parseIdx(buf: Uint8Array, file: string, expectedMagic?: number, gz = false): IdxArray {
  if (buf.length < 4) {
    throw new KdInputError(
      `${file}: truncated IDX file: ${buf.length} bytes, shorter than the 4-byte magic number (the file ends at ${where(buf.length, gz)})`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (expectedMagic !== undefined && magic !== expectedMagic) {
    throw new KdInputError(
      `${file}: bad magic number ${hex(magic)}, expected ${hex(expectedMagic)} (${describe(expectedMagic)}); ` +
        `the file looks like ${describe(magic)}`,
    );
  }
  if (buf[0] !== 0 || buf[1] !== 0 || buf[2] !== UBYTE || buf[3] === 0) {
    throw new KdInputError(
      `${file}: bad magic number ${hex(magic)} (${describe(magic)}), expected 0x000008NN (an IDX file of unsigned bytes)`,
    );
  }
  const rank = buf[3]!;
  const headerBytes = 4 + 4 * rank;
  if (buf.length < headerBytes) {
    const dim = Math.floor((buf.length - 4) / 4);
    throw new KdInputError(
      `${file}: truncated IDX header: expected ${headerBytes} bytes for ${rank} dimensions, found ${buf.length} ` +
        `(dimension ${dim} at ${where(4 + 4 * dim, gz)} is cut off)`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = buf.length - headerBytes;
  if (found < expected) {
    // One record along the first dimension: an image of rows×cols bytes, or one label byte.
    const recordBytes = dims.slice(1).reduce((a, b) => a * b, 1);
    const complete = Math.floor(found / recordBytes);
    const partial = found - complete * recordBytes;
    const name = recordName(magic);
    throw new KdInputError(
      `${file}: truncated IDX data: dimensions [${dims.join(', ')}] need ${expected} bytes after the header, found ${found}: ` +
        `${name} ${complete} of ${dims[0]} (${recordBytes} byte${recordBytes === 1 ? '' : 's'} at ${where(headerBytes + complete * recordBytes, gz)}) ` +
        (partial > 0 ? `is cut off after ${partial} byte${partial === 1 ? '' : 's'}` : 'is missing') +
        `; ${complete} complete ${name}${complete === 1 ? '' : 's'}`,
    );
  }
  if (found > expected) {
    throw new KdInputError(
      `${file}: ${found - expected} unexpected bytes after the IDX data, from ${where(headerBytes + expected, gz)}: ` +
        `dimensions [${dims.join(', ')}] need ${expected} bytes, found ${found}`,
    );
  }
  return { magic, dims, data: buf.subarray(headerBytes) };
}

/** Parses an IDX image file (magic 0x00000803). */
export function parseIdxImages(buffer: Uint8Array, file: string, gzipped = false): IdxImages {
  const { dims, data } = parseIdx(buffer, file, IDX_IMAGES_MAGIC, gzipped);
  const [count, rows, cols] = dims as [number, number, number];
  if (rows === 0 || cols === 0) throw new KdInputError(`${file}: images of ${rows}×${cols} pixels are empty`);
  return { count, rows, cols, pixels: data };
}

/**
 * Parses an IDX label file (magic 0x00000801); every label must be below `numClasses`. A label out of range is an
 * error naming its index and byte offset (label i is the byte at offset 8 + i).
 */
export function parseIdxLabels(buffer: Uint8Array, file: string, numClasses = 10, gz = false): IdxLabels {
  const { dims, data } = parseIdx(buffer, file, IDX_LABELS_MAGIC, gz);
  for (let i = 0; i < data.length; i++) {
    if (data[i]! >= numClasses) {
      throw new KdInputError(
        `${file}: label ${data[i]} at index ${i} (${where(8 + i, gz)}) is out of range: expected a class in 0..${numClasses - 1}`,
      );
    }
  }
  return { count: dims[0]!, labels: data };
}

function readError(file: string, e: unknown): KdInputError {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new KdInputError(`${file}: file not found`);
  return new KdInputError(`${file}: cannot read (${(e as Error).message})`);
}

/** True when the file starts with the gzip magic bytes; reads two bytes. */
async function fileIsGzip(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      const head = new Uint8Array(2);
      const { bytesRead } = await handle.read(head, 0, 2, 0);
      return isGzip(head.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw readError(file, e);
  }
}

/** The file's bytes, inflated (streamed, bounded by `maxInflatedBytes`) when it is gzip, and whether it was. */
async function readBytes(file: string, maxInflatedBytes: number): Promise<{ bytes: Uint8Array; gzipped: boolean }> {
  if (await fileIsGzip(file))
    return { bytes: new Uint8Array(await gunzipFileBounded(file, inflateLimit(maxInflatedBytes))), gzipped: true };
  try {
    return { bytes: await readFile(file), gzipped: false };
  } catch (e) {
    throw readError(file, e);
  }
}

export interface IdxReadOptions {
  /** A gzip file may inflate to at most this many bytes (a plain file is read as it is). */
  readonly maxInflatedBytes: number;
}

/** Reads an IDX image file, plain or gzip. */
export async function readIdxImages(file: string, options: IdxReadOptions): Promise<IdxImages> {
  const { bytes, gzipped } = await readBytes(file, options.maxInflatedBytes);
  return parseIdxImages(bytes, file, gzipped);
}

/** Reads an IDX label file, plain or gzip; every label must be below `numClasses`. */
export async function readIdxLabels(file: string, options: IdxReadOptions & { readonly numClasses: number }): Promise<IdxLabels> {
  const { bytes, gzipped } = await readBytes(file, options.maxInflatedBytes);
  return parseIdxLabels(bytes, file, options.numClasses, gzipped);
}

/**
 * Awaits every promise and, when some fail, throws the first failure in list order: which of several bad files is
 * reported must not depend on which read finished first.
 */
export async function inOrder<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Pairs images with labels: the counts must agree. `limit` keeps the first `limit` examples. */
export function pairIdx(images: IdxImages, labels: IdxLabels, imagesFile: string, labelsFile: string, limit?: number): IdxSplitData {
  if (images.count !== labels.count) {
    throw new KdInputError(
      `${imagesFile} has ${images.count} images but ${labelsFile} has ${labels.count} labels: expected the same count`,
    );
  }
  const pixelsPerImage = images.rows * images.cols;
  if (limit !== undefined && limit < images.count) {
    return {
      count: limit,
      rows: images.rows,
      cols: images.cols,
      // Copies, so that the rest of a large file can be freed.
      pixels: images.pixels.slice(0, limit * pixelsPerImage),
      labels: labels.labels.slice(0, limit),
    };
  }
  return { ...images, labels: labels.labels };
}

/** Reads an image file and its label file and checks them against each other. */
export async function readIdxSplit(
  imagesFile: string,
  labelsFile: string,
  options: IdxReadOptions & { readonly numClasses: number; readonly limit?: number },
): Promise<IdxSplitData> {
  const [images, labels] = await inOrder([readIdxImages(imagesFile, options), readIdxLabels(labelsFile, options)] as const);
  return pairIdx(images, labels, imagesFile, labelsFile, options.limit);
}

/** Encodes an unsigned-byte IDX array (the inverse of `parseIdx`, uncompressed). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected)
    throw new RangeError(`encodeIdx: dimensions [${dims.join(', ')}] need ${expected} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
