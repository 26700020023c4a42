import { KdInputError } from '@kd/core';
import { checkPng as checkPngBytes, decodeRgb, type RgbImage } from '../worker/decode-rgb.mjs';

export { sniffFormat, type ImageFormat } from './image-header.js';
// The decoder lives in worker/, beside the decode worker that shares it (see worker/image-format.mjs for why).
export { rgbaToRgb, type RgbImage } from '../worker/decode-rgb.mjs';

export interface DecodeLimits {
  /** Images declaring more pixels than this many millions are refused before decoding (decompression bombs). */
  readonly maxMegapixels: number;
}

const refuse = (message: string) => new KdInputError(message);

/** `checkPng` of worker/decode-rgb.mjs, refusing with a KdInputError. */
export function checkPng(bytes: Uint8Array, path: string, maxMegapixels: number): void {
  checkPngBytes(bytes, path, maxMegapixels, refuse);
}

/**
 * Decodes a JPEG or PNG into 8-bit RGB (`decodeRgb` of worker/decode-rgb.mjs, which the decode worker runs too);
 * a file it refuses is a KdInputError. `path` only names the file in errors.
 */
export function decodeImage(bytes: Uint8Array, path: string, limits: DecodeLimits): RgbImage {
  return decodeRgb(bytes, path, limits.maxMegapixels, refuse);
}
