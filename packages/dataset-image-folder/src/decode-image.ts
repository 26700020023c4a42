import { KdInputError } from '@kd/core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { inflateSync } from 'node:zlib';
import { notAnImage, sniffFormat, tooManyPixels, type ImageFormat } from './image-header.js';

export { sniffFormat, type ImageFormat } from './image-header.js';

/** A decoded image: 8-bit RGB, HWC row-major. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
}

/** Drops the alpha channel (no compositing, as PIL's `convert('RGB')` in torchvision's loader). */
export function rgbaToRgb(rgba: Uint8Array, height: number, width: number): Uint8Array {
  const n = height * width;
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i * 3] = rgba[j]!;
    out[i * 3 + 1] = rgba[j + 1]!;
    out[i * 3 + 2] = rgba[j + 2]!;
  }
  return out;
}

export interface DecodeLimits {
  /** Images declaring more pixels than this many millions are refused before decoding (decompression bombs). */
  readonly maxMegapixels: number;
}

const u32 = (b: Uint8Array, i: number) => (b[i]! * 2 ** 24 + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!) >>> 0;
const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * Refuses a PNG before pngjs allocates for it: more pixels than the limit, or (interlaced) image data that inflates
 * past what its declared size needs. pngjs bounds the inflation of non-interlaced images by their size itself, but
 * inflates interlaced ones without a limit, so a small IHDR with a zlib bomb behind it would pass the pixel check.
 * Mirrored in worker/decode.worker.mjs.
 */
export function checkPng(bytes: Uint8Array, path: string, maxMegapixels: number): void {
  // A header too short to read is pngjs's to report.
  if (bytes.length < 33) return;
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  if (width * height > maxMegapixels * 1e6) throw new KdInputError(`${path}: ${tooManyPixels('png', width, height, maxMegapixels)}`);
  if (bytes[28] !== 1) return;
  const bits = (PNG_CHANNELS[bytes[25]!] ?? 4) * bytes[24]!;
  let needed = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) needed += h * (1 + Math.ceil((w * bits) / 8));
  }
  const idat: Uint8Array[] = [];
  for (let pos = 8; pos + 12 <= bytes.length;) {
    const length = u32(bytes, pos);
    if (bytes[pos + 4] === 0x49 && bytes[pos + 5] === 0x44 && bytes[pos + 6] === 0x41 && bytes[pos + 7] === 0x54)
      idat.push(bytes.subarray(pos + 8, pos + 8 + length));
    pos += 12 + length;
  }
  try {
    inflateSync(Buffer.concat(idat), { maxOutputLength: needed });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new KdInputError(
        `${path}: the image data of this interlaced ${width}×${height} PNG inflates to more than the ${needed} bytes its pixels need: ` +
          'expected image data of its declared size (a decompression bomb?)',
      );
    }
    // Corrupt data is pngjs's to report, with its own message.
  }
}

/**
 * Decodes a JPEG (jpeg-js: baseline and progressive, greyscale, YCbCr, CMYK/YCCK) or PNG (pngjs: every colour
 * type and bit depth, 16-bit scaled to 8) into 8-bit RGB. Greyscale becomes three equal channels; alpha is dropped.
 * `path` only names the file in errors.
 */
export function decodeImage(bytes: Uint8Array, path: string, limits: DecodeLimits): RgbImage {
  const format: ImageFormat | undefined = sniffFormat(bytes);
  if (!format) throw new KdInputError(`${path}: ${notAnImage(bytes)}`);
  if (format === 'png') checkPng(bytes, path, limits.maxMegapixels);
  try {
    if (format === 'jpeg') {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        // Strict: a truncated file is an error, as PIL's default, rather than an image with a grey tail.
        tolerantDecoding: false,
        // jpeg-js checks the frame header's size against this before allocating.
        maxResolutionInMP: limits.maxMegapixels,
      });
      return { data: img.data, height: img.height, width: img.width };
    }
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { data: rgbaToRgb(png.data, png.height, png.width), height: png.height, width: png.width };
  } catch (e) {
    throw new KdInputError(
      `${path}: cannot decode this ${format.toUpperCase()} file (${(e as Error).message}): expected a valid ${format.toUpperCase()} image`,
    );
  }
}
