#!/usr/bin/env node
// Writes the Fashion-MNIST subset bundled with @kd/dataset-idx.
//
// Reads the full Fashion-MNIST (Debian package dataset-fashion-mnist, installed at
// /usr/share/datasets/fashion-mnist, or the directory given as the first argument) and writes a
// class-balanced, deterministic subset to packages/dataset-idx/data/fashion-mnist/:
//   train: the first 1,000 images of each class in file order (10,000 images)
//   test:  the first   200 images of each class in file order  (2,000 images)
// Selected images keep their relative file order. Files are gzip IDX with the official names, so the
// directory can be used wherever the full set can. LICENSE and README.md are written alongside.
//
// Usage: node tools/data/make-fashion-mnist-subset.mjs [sourceDir] [outDir]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sourceDir = resolve(process.argv[2] ?? '/usr/share/datasets/fashion-mnist');
const outDir = resolve(process.argv[3] ?? join(repoRoot, 'packages/dataset-idx/data/fashion-mnist'));
const copyrightFile = '/usr/share/doc/dataset-fashion-mnist/copyright';

const NUM_CLASSES = 10;
const PER_CLASS = { train: 1000, t10k: 200 };

function fail(message) {
  console.error(`make-fashion-mnist-subset: ${message}`);
  process.exit(1);
}

function readIdx(file, magic) {
  if (!existsSync(file)) fail(`${file} not found (install the Debian package dataset-fashion-mnist, or pass its directory)`);
  let buf = readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  if (buf.length < 8 || buf.readUInt32BE(0) !== magic) {
    fail(`${file}: expected IDX magic 0x${magic.toString(16).padStart(8, '0')}`);
  }
  const rank = buf[3];
  const dims = [];
  for (let i = 0; i < rank; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== offset + size) fail(`${file}: expected ${offset + size} bytes, found ${buf.length}`);
  return { dims, data: buf.subarray(offset) };
}

function writeIdx(file, magic, dims, data) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const gz = gzipSync(Buffer.concat([header, data]), { level: 9 });
  writeFileSync(file, gz);
  return gz;
}

const files = [];
const counts = {};
for (const split of ['train', 't10k']) {
  const imagesName = `${split}-images-idx3-ubyte.gz`;
  const labelsName = `${split}-labels-idx1-ubyte.gz`;
  const images = readIdx(join(sourceDir, imagesName), 0x00000803);
  const labels = readIdx(join(sourceDir, labelsName), 0x00000801);
  const [n, rows, cols] = images.dims;
  if (labels.dims[0] !== n) fail(`${split}: ${n} images but ${labels.dims[0]} labels`);
  const pixels = rows * cols;
  const perClass = PER_CLASS[split];
  const taken = new Array(NUM_CLASSES).fill(0);
  const picked = [];
  for (let i = 0; i < n && picked.length < perClass * NUM_CLASSES; i++) {
    const c = labels.data[i];
    if (c >= NUM_CLASSES) fail(`${split}: label ${c} at index ${i} is not below ${NUM_CLASSES}`);
    if (taken[c] < perClass) {
      taken[c]++;
      picked.push(i);
    }
  }
  if (taken.some((t) => t < perClass)) fail(`${split}: not enough images per class (${taken.join(', ')})`);
  const outImages = Buffer.alloc(picked.length * pixels);
  const outLabels = Buffer.alloc(picked.length);
  picked.forEach((src, dst) => {
    images.data.copy(outImages, dst * pixels, src * pixels, (src + 1) * pixels);
    outLabels[dst] = labels.data[src];
  });
  mkdirSync(outDir, { recursive: true });
  for (const [name, magic, dims, data] of [
    [imagesName, 0x00000803, [picked.length, rows, cols], outImages],
    [labelsName, 0x00000801, [picked.length], outLabels],
  ]) {
    const gz = writeIdx(join(outDir, name), magic, dims, data);
    files.push({ name, bytes: gz.length, sha256: createHash('sha256').update(gz).digest('hex') });
  }
  counts[split] = { total: picked.length, perClass, lastSourceIndex: picked[picked.length - 1] };
}

// LICENSE: the Expat (MIT) text from Debian's copyright file when present, else the standard text.
const standardMit = `Permission is hereby granted, free of charge, to any person obtaining a
copy of this software and associated documentation files (the "Software"),
to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included
in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY
CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;

function licenseBody() {
  if (!existsSync(copyrightFile)) return standardMit;
  const text = readFileSync(copyrightFile, 'utf8');
  // The stand-alone "License: Expat" paragraph: indented lines, " ." for blank lines.
  const m = /^License: Expat\n((?: .*\n?)+)/m.exec(text.slice(text.lastIndexOf('\nLicense: Expat\n') + 1));
  if (!m) return standardMit;
  return m[1]
    .split('\n')
    .map((l) => (l === ' .' ? '' : l.replace(/^ /, '').trimEnd()))
    .join('\n')
    .trim();
}

writeFileSync(
  join(outDir, 'LICENSE'),
  `The MIT License (MIT)

Copyright (c) 2017 Zalando SE, https://tech.zalando.com

${licenseBody()}
`,
);

const table = files.map((f) => `| \`${f.name}\` | ${f.bytes.toLocaleString('en-US')} | \`${f.sha256}\` |`).join('\n');
writeFileSync(
  join(outDir, 'README.md'),
  `# Fashion-MNIST subset

A small, class-balanced subset of [Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist)
(Xiao, Rasul, Vollgraf 2017, [arXiv:1708.07747](https://arxiv.org/abs/1708.07747)), bundled with
\`@kd/dataset-idx\` so that quick runs and tests work without downloading anything.

| split | images | per class | taken from |
| --- | ---: | ---: | --- |
| train | ${counts.train.total.toLocaleString('en-US')} | ${counts.train.perClass.toLocaleString('en-US')} | the first ${counts.train.perClass.toLocaleString('en-US')} of each class of the 60,000 official training images, in file order |
| test | ${counts.t10k.total.toLocaleString('en-US')} | ${counts.t10k.perClass} | the first ${counts.t10k.perClass} of each class of the 10,000 official test images, in file order |

Selected images keep their relative order from the official files. The files are gzip-compressed IDX
files with the official names, so this directory is interchangeable with the full set (only smaller):

| file | bytes | sha256 |
| --- | ---: | --- |
${table}

Made by \`node tools/data/make-fashion-mnist-subset.mjs\` from the Debian package
\`dataset-fashion-mnist\` (\`/usr/share/datasets/fashion-mnist\`); the script is deterministic, so
re-running it reproduces these files. Accuracy on this subset is not comparable with published
Fashion-MNIST results, which use the full 60,000 / 10,000 split.

Fashion-MNIST is Copyright (c) 2017 Zalando SE and released under the MIT licence; see \`LICENSE\`.
`,
);

for (const f of files) console.log(`${relative(process.cwd(), join(outDir, f.name))}  ${f.bytes} bytes`);
console.log(
  `train: ${counts.train.total} images (last source index ${counts.train.lastSourceIndex}); test: ${counts.t10k.total} images (last source index ${counts.t10k.lastSourceIndex})`,
);
