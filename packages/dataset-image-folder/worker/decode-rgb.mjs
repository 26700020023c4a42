// Decoding JPEG and PNG bytes to 8-bit RGB, for the main thread (src/decode-image.ts) and the decode worker alike.
// Plain JavaScript in worker/ for the reason image-format.mjs gives. Types and documentation: decode-rgb.d.mts.
import { inflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { notAnImage, sniffFormat, tooManyPixels } from './image-format.mjs';

export function rgbaToRgb(rgba, height, width) {
  const n = height * width;
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i * 3] = rgba[j];
    out[i * 3 + 1] = rgba[j + 1];
    out[i * 3 + 2] = rgba[j + 2];
  }
  return out;
}

const u32 = (b, i) => (b[i] * 2 ** 24 + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3]) >>> 0;
const PNG_CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

export function checkPng(bytes, path, maxMegapixels, refuse) {
  // A header too short to read is pngjs's to report.
  if (bytes.length < 33) return;
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  if (width * height > maxMegapixels * 1e6) throw refuse(`${path}: ${tooManyPixels('png', width, height, maxMegapixels)}`);
  if (bytes[28] !== 1) return;
  const bits = (PNG_CHANNELS[bytes[25]] ?? 4) * bytes[24];
  let needed = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) needed += h * (1 + Math.ceil((w * bits) / 8));
  }
  const idat = [];
  for (let pos = 8; pos + 12 <= bytes.length;) {
    const length = u32(bytes, pos);
    if (bytes[pos + 4] === 0x49 && bytes[pos + 5] === 0x44 && bytes[pos + 6] === 0x41 && bytes[pos + 7] === 0x54)
      idat.push(bytes.subarray(pos + 8, pos + 8 + length));
    pos += 12 + length;
  }
  try {
    inflateSync(Buffer.concat(idat), { maxOutputLength: needed });
  } catch (e) {
    if (e.code === 'ERR_BUFFER_TOO_LARGE') {
      throw refuse(
        `${path}: the image data of this interlaced ${width}×${height} PNG inflates to more than the ${needed} bytes its pixels need: ` +
          'expected image data of its declared size (a decompression bomb?)',
      );
    }
    // Corrupt data is pngjs's to report, with its own message.
  }
}

export function decodeRgb(bytes, path, maxMegapixels, refuse) {
  const format = sniffFormat(bytes);
  if (!format) throw refuse(`${path}: ${notAnImage(bytes)}`);
  if (format === 'png') checkPng(bytes, path, maxMegapixels, refuse);
  try {
    if (format === 'jpeg') {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        // Strict: a truncated file is an error, as PIL's default, rather than an image with a grey tail.
        tolerantDecoding: false,
        // jpeg-js checks the frame header's size against this before allocating.
        maxResolutionInMP: maxMegapixels,
      });
      return { data: img.data, height: img.height, width: img.width };
    }
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { data: rgbaToRgb(png.data, png.height, png.width), height: png.height, width: png.width };
  } catch (e) {
    const f = format.toUpperCase();
    throw refuse(`${path}: cannot decode this ${f} file (${e.message}): expected a valid ${f} image`);
  }
}
