// Images/s of read + decode + the default training transforms (RandomResizedCrop(224), flip, normalise) on
// ImageNet-sized JPEGs, on the main thread and with worker_threads, with and without a simulated training step.
// Build first: npx tsc --build packages/dataset-image-folder/tsconfig.lib.json (from the repo root), then
//   node packages/dataset-image-folder/bench/decode-bench.mjs [images=64] [stepMs=0,150]
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import jpeg from 'jpeg-js';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@kd/core';
import { buildTransform, imageFromBytes } from '@kd/transforms';
import { decodeImage, defaultTrainTransforms, loadImageFolderDataset } from '../dist/index.js';

const count = Number(process.argv[2] ?? 64);
const stepMsList = (process.argv[3] ?? '0,150').split(',').map(Number);
await tf.setBackend('cpu');

/** 500×375 (ImageNet's typical size), smooth gradients plus noise so the JPEG has realistic entropy, quality 90. */
function syntheticJpeg(seed, width = 500, height = 375) {
  const rng = new Rng(seed);
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 255) / width + rng.int(40);
      data[i + 1] = (y * 255) / height + rng.int(40);
      data[i + 2] = 128 + 100 * Math.sin((x + y + seed * 7) / 23) + rng.int(30);
      data[i + 3] = 255;
    }
  return jpeg.encode({ data, width, height }, 90).data;
}

const root = mkdtempSync(join(tmpdir(), 'kd-decode-bench-'));
const files = [];
for (let i = 0; i < count; i++) {
  const f = join(root, 'train', `c${i % 4}`, `${i}.JPEG`);
  mkdirSync(join(root, 'train', `c${i % 4}`), { recursive: true });
  writeFileSync(f, syntheticJpeg(i));
  files.push(f);
}
const meanKb = files.reduce((s, f) => s + readFileSync(f).length, 0) / files.length / 1024;
console.log(`${count} synthetic 500×375 JPEGs (mean ${meanKb.toFixed(0)} KiB), ${cpus().length} CPUs, load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`);

// Stage by stage on one thread.
const transform = buildTransform(defaultTrainTransforms(224));
let tDecode = 0;
let tTransform = 0;
const rng = new Rng(1);
for (const f of files) {
  const bytes = readFileSync(f);
  const t0 = performance.now();
  const rgb = decodeImage(bytes, f);
  const t1 = performance.now();
  transform.apply(imageFromBytes(rgb.data, rgb.height, rgb.width, 3), rng);
  tTransform += performance.now() - t1;
  tDecode += t1 - t0;
}
console.log(
  `one thread: decode ${(tDecode / count).toFixed(1)} ms/img, transforms ${(tTransform / count).toFixed(1)} ms/img, ` +
    `together ${((1000 * count) / (tDecode + tTransform)).toFixed(1)} img/s`,
);

/** Busy-waits, as a synchronous training step holds the main thread. */
function spin(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

for (const stepMs of stepMsList) {
  for (const workers of [0, 1, 2]) {
    const ds = await loadImageFolderDataset({ name: 'image-folder', root, testFolder: null, workers, prefetch: 2 }, { baseDir: '/', seed: 0 });
    const t0 = performance.now();
    let n = 0;
    for await (const { x, y } of ds.split('train').batches({ batchSize: 16, rng: new Rng(2), dropLast: true })) {
      n += y.shape[0];
      x.dispose();
      y.dispose();
      spin(stepMs);
    }
    const s = (performance.now() - t0) / 1000;
    await ds.close();
    console.log(`step ${stepMs} ms/batch of 16, workers ${workers}: ${(n / s).toFixed(1)} img/s (${s.toFixed(2)} s; pure step time ${((stepMs * n) / 16 / 1000).toFixed(2)} s)`);
  }
}
rmSync(root, { recursive: true, force: true });
