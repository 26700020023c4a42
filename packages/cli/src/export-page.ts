import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@kd/core';

/** The stock TensorFlow.js browser bundles the page loads, copied from node_modules so that it works offline. */
const TFJS_BUNDLES = [
  ['@tensorflow/tfjs-core', 'tf-core.min.js'],
  ['@tensorflow/tfjs-backend-cpu', 'tf-backend-cpu.min.js'],
  ['@tensorflow/tfjs-layers', 'tf-layers.min.js'],
] as const;

export const PAGE_FILES = { html: 'index.html', script: 'classify.js', tfjsDir: 'tfjs' } as const;

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kd export: classify an image</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em; max-width: 40em; }
canvas { image-rendering: pixelated; width: 112px; border: 1px solid #ccc; }
li { font-variant-numeric: tabular-nums; }
</style>
</head>
<body data-status="loading">
<h1>Classify an image</h1>
<p>Pick an image file; it is prepared as <code>preprocessing.json</code> says and classified by <code>model.json</code>, in this page, with TensorFlow.js.</p>
<p><input type="file" id="file" accept="image/*" disabled></p>
<p id="message">loading the model…</p>
<canvas id="preview" hidden></canvas>
<ol id="top"></ol>
<pre id="result" hidden></pre>
<script src="${PAGE_FILES.tfjsDir}/tf-core.min.js"></script>
<script src="${PAGE_FILES.tfjsDir}/tf-backend-cpu.min.js"></script>
<script src="${PAGE_FILES.tfjsDir}/tf-layers.min.js"></script>
<script src="${PAGE_FILES.script}"></script>
</body>
</html>
`;

// Plain browser JavaScript, no build step: the steps mirror @kd/transforms (bilinear as PyTorch with
// align_corners=False and no antialiasing; centre crop with Python's round-half-even offsets).
const SCRIPT = `'use strict';
const $ = (id) => document.getElementById(id);

function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function crop(img, top, left, h, w) {
  const c = img.channels;
  const out = new Float32Array(h * w * c);
  for (let r = 0; r < h; r++) {
    const sr = top + r;
    if (sr < 0 || sr >= img.height) continue;
    for (let col = 0; col < w; col++) {
      const sc = left + col;
      if (sc < 0 || sc >= img.width) continue;
      for (let k = 0; k < c; k++) out[(r * w + col) * c + k] = img.data[(sr * img.width + sc) * c + k];
    }
  }
  return { data: out, height: h, width: w, channels: c };
}

function axis(inSize, outSize) {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, o) => {
    const src = Math.max(0, (o + 0.5) * scale - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    return [lo, Math.min(lo + 1, inSize - 1), src - lo];
  });
}

function resize(img, h, w) {
  if (h === img.height && w === img.width) return img;
  const c = img.channels;
  const ry = axis(img.height, h);
  const rx = axis(img.width, w);
  const out = new Float32Array(h * w * c);
  const at = (y, x, k) => img.data[(y * img.width + x) * c + k];
  for (let y = 0; y < h; y++) {
    const [y0, y1, ty] = ry[y];
    for (let x = 0; x < w; x++) {
      const [x0, x1, tx] = rx[x];
      for (let k = 0; k < c; k++) {
        const top = at(y0, x0, k) + (at(y0, x1, k) - at(y0, x0, k)) * tx;
        const bottom = at(y1, x0, k) + (at(y1, x1, k) - at(y1, x0, k)) * tx;
        out[(y * w + x) * c + k] = top + (bottom - top) * ty;
      }
    }
  }
  return { data: out, height: h, width: w, channels: c };
}

const STEPS = {
  resize(img, s) {
    if (typeof s.size !== 'number') return resize(img, s.size[0], s.size[1]);
    const [h, w] = img.height <= img.width ? [s.size, Math.trunc((s.size * img.width) / img.height)] : [Math.trunc((s.size * img.height) / img.width), s.size];
    return resize(img, h, w);
  },
  centerCrop(img, s) {
    const [h, w] = s.size;
    return crop(img, roundHalfEven((img.height - h) / 2), roundHalfEven((img.width - w) / 2), h, w);
  },
  pad(img, s) {
    return crop(img, -s.padding, -s.padding, img.height + 2 * s.padding, img.width + 2 * s.padding);
  },
  normalize(img, s) {
    const c = img.channels;
    const data = img.data.map((v, i) => {
      const k = i % c;
      return (v - s.mean[s.mean.length === 1 ? 0 : k]) / s.std[s.std.length === 1 ? 0 : k];
    });
    return { ...img, data };
  },
};

/** The decoded image as pixel/255, [height, width, channels], greyscale as PIL's "L" where the model wants one channel. */
function decode(bitmap, pre) {
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const c = pre.input.channels;
  const data = new Float32Array(bitmap.width * bitmap.height * c);
  for (let p = 0; p < bitmap.width * bitmap.height; p++) {
    const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    if (c === 1) data[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b) / 255;
    else for (let k = 0; k < c; k++) data[p * c + k] = rgba[4 * p + k] / 255;
  }
  return { data, height: bitmap.height, width: bitmap.width, channels: c };
}

function preview(img) {
  const canvas = $('preview');
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.hidden = false;
  const ctx = canvas.getContext('2d');
  const out = ctx.createImageData(img.width, img.height);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of img.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  for (let p = 0; p < img.width * img.height; p++) {
    for (let k = 0; k < 3; k++) {
      const v = img.data[p * img.channels + (img.channels === 1 ? 0 : k)];
      out.data[4 * p + k] = hi > lo ? (255 * (v - lo)) / (hi - lo) : 0;
    }
    out.data[4 * p + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
}

async function classify(model, pre, bitmap) {
  let img = decode(bitmap, pre);
  for (const step of pre.steps) img = STEPS[step.type](img, step);
  if (img.height !== pre.input.height || img.width !== pre.input.width)
    throw new Error('the image is ' + img.height + '×' + img.width + ' after preprocessing; the model takes ' + pre.input.height + '×' + pre.input.width + ' (add a resize, or pick another image)');
  preview(img);
  const logits = tf.tidy(() => model.predict(tf.tensor4d(img.data, [1, img.height, img.width, img.channels])));
  const probs = tf.tidy(() => tf.softmax(logits));
  const [l, p] = [Array.from(await logits.data()), Array.from(await probs.data())];
  tf.dispose([logits, probs]);
  const top = p.map((probability, index) => ({ index, name: pre.classNames ? pre.classNames[index] : 'class ' + index, probability }))
    .sort((a, b) => b.probability - a.probability).slice(0, 5);
  $('top').replaceChildren(...top.map((t) => {
    const li = document.createElement('li');
    li.dataset.index = String(t.index);
    li.textContent = t.name + ' — ' + (100 * t.probability).toFixed(1) + '%';
    return li;
  }));
  $('result').textContent = JSON.stringify({ top, logits: l });
  $('message').textContent = 'top classes:';
  document.body.dataset.status = 'done';
}

async function main() {
  await tf.setBackend('cpu');
  const [model, pre] = await Promise.all([tf.loadLayersModel('model.json'), fetch('preprocessing.json').then((r) => r.json())]);
  const run = (source) =>
    createImageBitmap(source, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' })
      .then((bitmap) => classify(model, pre, bitmap))
      .catch(fail);
  $('file').disabled = false;
  $('file').addEventListener('change', (e) => e.target.files[0] && run(e.target.files[0]));
  $('message').textContent = 'pick an image (' + pre.input.height + '×' + pre.input.width + ' ' + pre.input.color + ' after preprocessing)';
  document.body.dataset.status = 'ready';
  // ?image=<url> classifies an image served beside the page, without picking a file.
  const url = new URLSearchParams(location.search).get('image');
  if (url) await run(await (await fetch(url)).blob());
}

function fail(e) {
  $('message').textContent = 'error: ' + e.message;
  document.body.dataset.status = 'error';
}

main().catch(fail);
`;

/**
 * Writes the example page (index.html, classify.js) and the TensorFlow.js bundles it loads into `outDir`; returns the
 * files written. The page needs an http server (browsers refuse fetch() from file://).
 */
export function writeExamplePage(outDir: string): string[] {
  const require = createRequire(import.meta.url);
  const written: string[] = [];
  const tfjsDir = join(outDir, PAGE_FILES.tfjsDir);
  mkdirSync(tfjsDir, { recursive: true });
  for (const [pkg, file] of TFJS_BUNDLES) {
    const to = join(tfjsDir, file);
    copyFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', file), to);
    written.push(to);
  }
  writeFileAtomic(join(outDir, PAGE_FILES.script), SCRIPT);
  writeFileAtomic(join(outDir, PAGE_FILES.html), HTML);
  return [...written, join(outDir, PAGE_FILES.script), join(outDir, PAGE_FILES.html)];
}
