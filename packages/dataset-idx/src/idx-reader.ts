/**
 * Reader for IDX files, the format of MNIST and Fashion-MNIST: a big-endian header
 * `00 00 <type> <rank>` followed by `rank` uint32 dimensions and the row-major data. Only the
 * unsigned-byte type (0x08) is read: image files are rank 3 (magic 0x00000803, [count, rows, cols]),
 * label files rank 1 (magic 0x00000801, [count]). Files may be gzip-compressed (detected by the
 * magic bytes 1f 8b). Every problem is a `KdInputError` whose message starts with the file name.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { KdInputError } from '@kd/core';

const gunzipAsync = promisify(gunzip);

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
  return 'an unknown file type';
}

/** True when the buffer starts with the gzip magic bytes 1f 8b. */
export function isGzip(buffer: Uint8Array): boolean {
  return buffer.length >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
}

/** Decompresses a gzip buffer; a plain buffer is returned as is. */
export function gunzipIfNeeded(buffer: Uint8Array, file: string): Uint8Array {
  if (!isGzip(buffer)) return buffer;
  try {
    return new Uint8Array(gunzipSync(buffer));
  } catch (e) {
    throw new KdInputError(`${file}: not a valid gzip file (${(e as Error).message})`);
  }
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
 * Parses an IDX buffer (plain or gzip). With `expectedMagic`, the header must carry that magic
 * number; in any case the element type must be unsigned byte and the data exactly as long as the
 * dimensions say. Errors name the byte offset (of the decompressed data for gzip) and, for data,
 * the index of the first incomplete record along the first dimension. `gzipped` says that the
 * caller already decompressed `buffer` (offsets are then reported as such).
 */
export function parseIdx(buffer: Uint8Array, file: string, expectedMagic?: number, gzipped = false): IdxArray {
  const gz = gzipped || isGzip(buffer);
  const buf = gunzipIfNeeded(buffer, file);
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
    throw new KdInputError(`${file}: bad magic number ${hex(magic)}, expected 0x000008NN (an IDX file of unsigned bytes)`);
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
export function parseIdxLabels(buffer: Uint8Array, file: string, numClasses = 10, gzipped = false): IdxLabels {
  const gz = gzipped || isGzip(buffer);
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

/** The file's bytes, decompressed when it is gzip, and whether it was. */
async function readBytes(file: string): Promise<{ bytes: Uint8Array; gzipped: boolean }> {
  let raw: Uint8Array;
  try {
    raw = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KdInputError(`${file}: file not found`);
    throw new KdInputError(`${file}: cannot read (${(e as Error).message})`);
  }
  if (!isGzip(raw)) return { bytes: raw, gzipped: false };
  try {
    return { bytes: new Uint8Array(await gunzipAsync(raw)), gzipped: true };
  } catch (e) {
    throw new KdInputError(`${file}: not a valid gzip file (${(e as Error).message})`);
  }
}

/** Reads an IDX image file, plain or gzip. */
export async function readIdxImages(file: string): Promise<IdxImages> {
  const { bytes, gzipped } = await readBytes(file);
  return parseIdxImages(bytes, file, gzipped);
}

/** Reads an IDX label file, plain or gzip. */
export async function readIdxLabels(file: string, numClasses = 10): Promise<IdxLabels> {
  const { bytes, gzipped } = await readBytes(file);
  return parseIdxLabels(bytes, file, numClasses, gzipped);
}

/** Pairs images with labels: the counts must agree. `limit` keeps the first `limit` examples. */
export function pairIdx(
  images: IdxImages,
  labels: IdxLabels,
  imagesFile: string,
  labelsFile: string,
  limit?: number,
): IdxSplitData {
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
  options: { readonly numClasses?: number; readonly limit?: number } = {},
): Promise<IdxSplitData> {
  const [images, labels] = await Promise.all([readIdxImages(imagesFile), readIdxLabels(labelsFile, options.numClasses ?? 10)]);
  return pairIdx(images, labels, imagesFile, labelsFile, options.limit);
}

/** Encodes an unsigned-byte IDX array (the inverse of `parseIdx`, uncompressed). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new RangeError(`encodeIdx: dimensions [${dims.join(', ')}] need ${expected} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
