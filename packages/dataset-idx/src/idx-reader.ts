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

/**
 * Parses an IDX buffer (plain or gzip). With `expectedMagic`, the header must carry that magic
 * number; in any case the element type must be unsigned byte and the data exactly as long as the
 * dimensions say.
 */
export function parseIdx(buffer: Uint8Array, file: string, expectedMagic?: number): IdxArray {
  const buf = gunzipIfNeeded(buffer, file);
  if (buf.length < 4) {
    throw new KdInputError(`${file}: truncated IDX file: ${buf.length} bytes, shorter than the 4-byte magic number`);
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
    throw new KdInputError(`${file}: truncated IDX header: expected ${headerBytes} bytes for ${rank} dimensions, found ${buf.length}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = buf.length - headerBytes;
  if (found < expected) {
    throw new KdInputError(
      `${file}: truncated IDX data: dimensions [${dims.join(', ')}] need ${expected} bytes after the header, found ${found}`,
    );
  }
  if (found > expected) {
    throw new KdInputError(
      `${file}: ${found - expected} unexpected bytes after the IDX data: dimensions [${dims.join(', ')}] need ${expected} bytes, found ${found}`,
    );
  }
  return { magic, dims, data: buf.subarray(headerBytes) };
}

/** Parses an IDX image file (magic 0x00000803). */
export function parseIdxImages(buffer: Uint8Array, file: string): IdxImages {
  const { dims, data } = parseIdx(buffer, file, IDX_IMAGES_MAGIC);
  const [count, rows, cols] = dims as [number, number, number];
  if (rows === 0 || cols === 0) throw new KdInputError(`${file}: images of ${rows}×${cols} pixels are empty`);
  return { count, rows, cols, pixels: data };
}

/** Parses an IDX label file (magic 0x00000801); every label must be below `numClasses`. */
export function parseIdxLabels(buffer: Uint8Array, file: string, numClasses = 10): IdxLabels {
  const { dims, data } = parseIdx(buffer, file, IDX_LABELS_MAGIC);
  for (let i = 0; i < data.length; i++) {
    if (data[i]! >= numClasses) {
      throw new KdInputError(`${file}: label ${data[i]} at index ${i} is out of range: expected a class in 0..${numClasses - 1}`);
    }
  }
  return { count: dims[0]!, labels: data };
}

async function readBytes(file: string): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    raw = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KdInputError(`${file}: file not found`);
    throw new KdInputError(`${file}: cannot read (${(e as Error).message})`);
  }
  if (!isGzip(raw)) return raw;
  try {
    return new Uint8Array(await gunzipAsync(raw));
  } catch (e) {
    throw new KdInputError(`${file}: not a valid gzip file (${(e as Error).message})`);
  }
}

/** Reads an IDX image file, plain or gzip. */
export async function readIdxImages(file: string): Promise<IdxImages> {
  return parseIdxImages(await readBytes(file), file);
}

/** Reads an IDX label file, plain or gzip. */
export async function readIdxLabels(file: string, numClasses = 10): Promise<IdxLabels> {
  return parseIdxLabels(await readBytes(file), file, numClasses);
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
