import { KdInputError } from '@kd/core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** A decoded image: 8-bit RGB, HWC row-major. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
}

export type ImageFormat = 'jpeg' | 'png';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The format from the file's first bytes, not its name: ImageNet holds PNG and CMYK files named `.JPEG`, and a
 * decoder chosen by extension would fail on them.
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  return undefined;
}

function hexHead(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length ? `starts with bytes ${head}` : 'is empty';
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
  /** jpeg-js refuses images above this many megapixels (its guard against decompression bombs). */
  readonly maxMegapixels?: number;
}

/**
 * Decodes a JPEG (jpeg-js: baseline and progressive, greyscale, YCbCr, CMYK/YCCK) or PNG (pngjs: every colour
 * type and bit depth, 16-bit scaled to 8) into 8-bit RGB. Greyscale becomes three equal channels; alpha is dropped.
 * `path` only names the file in errors.
 */
export function decodeImage(bytes: Uint8Array, path: string, limits: DecodeLimits = {}): RgbImage {
  const format = sniffFormat(bytes);
  if (!format) {
    throw new KdInputError(`${path}: not a JPEG or PNG image (the file ${hexHead(bytes)}): expected a JPEG (ff d8 ff) or PNG (89 50 4e 47) file`);
  }
  try {
    if (format === 'jpeg') {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        // Strict: a truncated file is an error, as PIL's default, rather than an image with a grey tail.
        tolerantDecoding: false,
        maxResolutionInMP: limits.maxMegapixels ?? 100,
      });
      return { data: img.data, height: img.height, width: img.width };
    }
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { data: rgbaToRgb(png.data, png.height, png.width), height: png.height, width: png.width };
  } catch (e) {
    throw new KdInputError(`${path}: cannot decode this ${format.toUpperCase()} file (${(e as Error).message}): expected a valid ${format.toUpperCase()} image`);
  }
}
