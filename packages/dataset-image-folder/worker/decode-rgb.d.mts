/** A decoded image: 8-bit RGB, HWC row-major. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
}

/**
 * The error a refused file throws, from its message (path first): a KdInputError on the main thread; a plain Error in
 * the worker, whose message the main thread turns into one.
 */
export type Refuse = (message: string) => Error;

/** Drops the alpha channel (no compositing, as PIL's `convert('RGB')` in torchvision's loader). */
export declare function rgbaToRgb(rgba: Uint8Array, height: number, width: number): Uint8Array;

/**
 * Refuses a PNG before pngjs allocates for it: more pixels than the limit, or (interlaced) image data that inflates
 * past what its declared size needs. pngjs bounds the inflation of non-interlaced images by their size itself, but
 * inflates interlaced ones without a limit, so a small IHDR with a zlib bomb behind it would pass the pixel check.
 */
export declare function checkPng(bytes: Uint8Array, path: string, maxMegapixels: number, refuse: Refuse): void;

/**
 * Decodes a JPEG (jpeg-js: baseline and progressive, greyscale, YCbCr, CMYK/YCCK) or PNG (pngjs: every colour
 * type and bit depth, 16-bit scaled to 8) into 8-bit RGB. Greyscale becomes three equal channels; alpha is dropped.
 * `path` only names the file in errors; images declaring more than `maxMegapixels` million pixels are refused before
 * decoding (decompression bombs).
 */
export declare function decodeRgb(bytes: Uint8Array, path: string, maxMegapixels: number, refuse: Refuse): RgbImage;
