// Reads and decodes images off the main thread. Plain JavaScript so that it runs the same from the package's
// sources (tests) and its build; it mirrors src/decode-image.ts, whose tests compare the two.
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function sniffFormat(bytes) {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  return undefined;
}

function hexHead(bytes) {
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length ? `starts with bytes ${head}` : 'is empty';
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
    throw new Error(`${path}: not a JPEG or PNG image (the file ${hexHead(bytes)}): expected a JPEG (ff d8 ff) or PNG (89 50 4e 47) file`);
  }
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
