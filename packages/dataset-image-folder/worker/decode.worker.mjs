// Reads and decodes images off the main thread. Plain JavaScript so that it runs the same from the package's
// sources (tests) and its build; it mirrors src/decode-image.ts (and the messages of src/image-header.ts), whose
// tests compare the two.
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { inflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function sniffFormat(bytes) {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  return undefined;
}

function describeStart(bytes) {
  if (!bytes.length) return 'the file is empty';
  const head = bytes.subarray(0, 8);
  if (head.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d)) {
    return `the file starts with ${JSON.stringify(Buffer.from(head).toString('latin1'))}`;
  }
  return `the file starts with bytes ${Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

function tooManyPixels(format, width, height, maxMegapixels) {
  const mp = +((width * height) / 1e6).toFixed(1);
  return (
    `${format.toUpperCase()} of ${width}×${height} pixels (${mp} megapixels) is larger than the limit of ${maxMegapixels} megapixels ` +
    '(/dataset/maxMegapixels): expected a smaller image, or a larger limit for a genuine one'
  );
}

const u32 = (b, i) => (b[i] * 2 ** 24 + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3]) >>> 0;
const PNG_CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

function checkPng(bytes, path, maxMegapixels) {
  if (bytes.length < 33) return;
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  if (width * height > maxMegapixels * 1e6) throw new Error(`${path}: ${tooManyPixels('png', width, height, maxMegapixels)}`);
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
      throw new Error(
        `${path}: the image data of this interlaced ${width}×${height} PNG inflates to more than the ${needed} bytes its pixels need: ` +
          'expected image data of its declared size (a decompression bomb?)',
      );
    }
  }
}

function rgbaToRgb(rgba, n) {
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i * 3] = rgba[j];
    out[i * 3 + 1] = rgba[j + 1];
    out[i * 3 + 2] = rgba[j + 2];
  }
  return out;
}

function decode(bytes, path, maxMegapixels) {
  const format = sniffFormat(bytes);
  if (!format) {
    throw new Error(`${path}: not a JPEG or PNG image (${describeStart(bytes)}): expected a JPEG (ff d8 ff) or PNG (89 50 4e 47) file`);
  }
  if (format === 'png') checkPng(bytes, path, maxMegapixels);
  try {
    if (format === 'jpeg') {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxResolutionInMP: maxMegapixels });
      return { data: img.data, height: img.height, width: img.width };
    }
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { data: rgbaToRgb(png.data, png.height * png.width), height: png.height, width: png.width };
  } catch (e) {
    const f = format.toUpperCase();
    throw new Error(`${path}: cannot decode this ${f} file (${e.message}): expected a valid ${f} image`);
  }
}

parentPort.on('message', async ({ id, path, maxMegapixels }) => {
  let bytes;
  try {
    bytes = await readFile(path);
  } catch (e) {
    parentPort.postMessage({ id, error: { kind: 'read', message: e.message, code: e.code } });
    return;
  }
  try {
    const image = decode(bytes, path, maxMegapixels);
    parentPort.postMessage({ id, image }, [image.data.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: { kind: 'decode', message: e.message } });
  }
});
