// Reads and decodes images off the main thread, with the decoder the main thread uses (decode-rgb.mjs). Plain
// JavaScript for the reason image-format.mjs gives.
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { decodeRgb } from './decode-rgb.mjs';

// The message crosses to the main thread, which throws it as a KdInputError.
const refuse = (message) => new Error(message);

parentPort.on('message', async ({ id, path, maxMegapixels }) => {
  let bytes;
  try {
    bytes = await readFile(path);
  } catch (e) {
    parentPort.postMessage({ id, error: { kind: 'read', message: e.message, code: e.code } });
    return;
  }
  try {
    const image = decodeRgb(bytes, path, maxMegapixels, refuse);
    parentPort.postMessage({ id, image }, [image.data.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: { kind: 'decode', message: e.message } });
  }
});
