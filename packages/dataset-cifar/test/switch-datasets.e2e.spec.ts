// "A config can switch between Fashion-MNIST, CIFAR-10, CIFAR-100 and an image folder by changing only the `dataset`
// section; `kd validate` explains wrong options." Plugins are discovered from the repository's package.json and
// imported from source, as `kd run` / `kd validate` in the repository do; nothing here registers a plugin by hand.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { isInputError, RunEvents } from '@kd/core';
import { KdRuntime } from '@kd/core/host';
import { cifarFiles, tempDir, writeFiles } from './cifar-files.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const examplesDir = join(repoRoot, 'configs/datasets');
const fixturesDir = join(repoRoot, 'packages/cli/test/invalid-configs');

/** What `kd run` / `kd validate` use in the repository: discovery from its package.json, plugins from source. */
const runtime = () => new KdRuntime({ root: repoRoot, importer: (specifier) => import(/* @vite-ignore */ specifier) });

type Config = Record<string, unknown> & { dataset: Record<string, unknown> };
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const examples = Object.fromEntries(
  ['fashion-mnist', 'cifar10', 'cifar100', 'image-folder'].map((name) => [name, readJson<Config>(join(examplesDir, `${name}.json`))]),
) as Record<'fashion-mnist' | 'cifar10' | 'cifar100' | 'image-folder', Config>;

// --- A minimal PNG writer (8-bit RGB, filter 0), so the image folder needs no encoder package. -------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}
function png(rgb: Uint8Array, width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, filter method 0, no interlace
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) Buffer.from(rgb.subarray(y * width * 3, (y + 1) * width * 3)).copy(raw, y * (width * 3 + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** An ImageNet-layout tree: 3 classes (each brightens one channel) of 40×36 PNGs, `train` and `val` images each. */
function writeImageFolder(root: string, train: number, val: number): void {
  for (const [split, count] of [
    ['train', train],
    ['val', val],
  ] as const)
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < count; i++) {
        const rgb = new Uint8Array(40 * 36 * 3).map((_, p) => (p % 3 === c ? 200 : (p * 7 + i * 13) % 120));
        writeFiles(join(root, split, `class${c}`), new Map([[`${i}.png`, png(rgb, 40, 36)]]));
      }
}

describe('the example configs of configs/datasets/', () => {
  it('differ only in their dataset section (and output directory and description)', () => {
    const rest = ({ dataset: _d, output: _o, description: _s, ...others }: Config) => others;
    const base = rest(examples.cifar10);
    expect(Object.keys(base).sort()).toEqual(['$schema', 'backend', 'evaluators', 'specVersion', 'student', 'training']);
    for (const [name, config] of Object.entries(examples)) {
      expect(rest(config), name).toEqual(base);
      expect(config['output'], name).toEqual({ dir: `../../runs/datasets/${name}` });
    }
    expect(examples['fashion-mnist'].dataset['name']).toBe('idx');
    expect(examples.cifar10.dataset).toMatchObject({ name: 'cifar', variant: 'cifar10' });
    expect(examples.cifar100.dataset).toMatchObject({ name: 'cifar', variant: 'cifar100' });
    expect(examples['image-folder'].dataset['name']).toBe('image-folder');
  });

  it('each passes kd validate --schema-only (no data is read), with the defaults of its dataset plugin applied', async () => {
    const rt = runtime();
    for (const name of Object.keys(examples)) {
      const { config } = await rt.checkConfigFile(join(examplesDir, `${name}.json`));
      expect(config.student.backbone, name).toMatchObject({ name: 'resnet', variant: 'resnet20' });
      if (name.startsWith('cifar')) expect(config.dataset, name).toMatchObject({ labels: 'fine', download: false });
      if (name === 'image-folder') expect(config.dataset).toMatchObject({ trainFolder: 'train', testFolder: 'val', imageSize: 64 });
    }
  });
});

describe('one base config trains on Fashion-MNIST, CIFAR-10, CIFAR-100 and an image folder by replacing only `dataset`', () => {
  const work = tempDir('kd-switch-datasets-');
  // Tiny sets: CIFAR 5 × 8 training records and 16 test records per variant, 3 × 8 + 3 × 4 images in the folder.
  writeFiles(join(work, 'data', 'cifar-10-batches-bin'), cifarFiles('cifar10', 8, 16));
  writeFiles(join(work, 'data', 'cifar-100-binary'), cifarFiles('cifar100', 40, 16));
  writeImageFolder(join(work, 'data', 'images'), 8, 4);

  // The examples' student and evaluators; one short epoch; the same output directory, overwritten by each run.
  const base = {
    specVersion: 1,
    backend: 'wasm',
    student: examples.cifar10['student'],
    evaluators: examples.cifar10['evaluators'],
    training: { epochs: 1, batchSize: 8, evalBatchSize: 16, seed: 1, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } },
    output: { dir: 'run', overwrite: true },
  };
  const datasets = {
    // The bundled subset, whatever the machine has installed; 24 of its 10,000 training images.
    'fashion-mnist': { name: 'idx', preset: 'fashion-mnist', source: 'bundled', trainSubset: { count: 24 }, testSubset: { count: 16 } },
    cifar10: { name: 'cifar', variant: 'cifar10', dir: 'data', trainSubset: { count: 24 } },
    cifar100: { name: 'cifar', variant: 'cifar100', dir: 'data', trainSubset: { count: 24 } },
    'image-folder': { name: 'image-folder', root: 'data/images', imageSize: 32 },
  };
  const expected = {
    'fashion-mnist': { numClasses: 10, inputShape: [28, 28, 1] },
    cifar10: { numClasses: 10, inputShape: [32, 32, 3] },
    cifar100: { numClasses: 100, inputShape: [32, 32, 3] },
    'image-folder': { numClasses: 3, inputShape: [32, 32, 3] },
  };

  it.each(Object.keys(datasets) as (keyof typeof datasets)[])('%s', async (name) => {
    const file = join(work, `${name}.json`);
    writeFileSync(file, JSON.stringify({ ...base, dataset: datasets[name] }));
    const events = new RunEvents();
    const steps: number[] = [];
    events.on('stepEnd', (e) => void steps.push(e.step));
    const { runDir, summary } = await runtime().run(file, { events });
    expect(runDir).toBe(join(work, 'run'));
    // 24 training images, batch 8: 3 steps of one epoch, a finite loss, one evaluation.
    expect(steps).toEqual([0, 1, 2]);
    const lines = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { loss: Record<string, number>; metrics: Record<string, number> });
    expect(lines).toHaveLength(1);
    expect(Number.isFinite(lines[0]!.loss['total'])).toBe(true);
    expect(lines[0]!.metrics['student.top1']).toBeGreaterThanOrEqual(0);
    expect(summary).toBeTruthy();
    // The student took its classes and input shape from the dataset: the saved network says so, and so do the stem
    // convolution's input channels and the classifier's outputs.
    const network = readJson<{
      numClasses: number;
      inputShape: number[];
      backbone: { name: string };
      tensors: { name: string; shape: number[] }[];
    }>(join(runDir, 'final', 'network.json'));
    expect({ numClasses: network.numClasses, inputShape: network.inputShape }).toEqual(expected[name]);
    expect(network.backbone).toMatchObject({ name: 'resnet', options: { variant: 'resnet20' } });
    const kernels = network.tensors.filter((t) => t.shape.length === 4);
    expect(kernels[0]!.shape).toEqual([3, 3, expected[name].inputShape[2], 16]);
    const classifier = network.tensors.filter((t) => t.shape.length === 2).at(-1)!;
    expect(classifier.shape).toEqual([64, expected[name].numClasses]);
    const saved = readJson<Config>(join(runDir, 'config.json'));
    expect(saved.dataset['name']).toBe(datasets[name].name);
  });
});

describe('kd validate explains wrong cifar and image-folder options (the fixtures of packages/cli/test/invalid-configs)', () => {
  const expectations = readJson<Record<string, string[]>>(join(fixturesDir, 'expected.datasets.json'));
  const names = Object.keys(expectations);

  it('covers both plugins and every fixture file has expectations', () => {
    expect(names.filter((n) => n.startsWith('cifar')).length).toBeGreaterThanOrEqual(5);
    expect(names.filter((n) => n.startsWith('image-folder')).length).toBeGreaterThanOrEqual(5);
    const files = readdirSync(fixturesDir).filter((f) => /^(cifar|image-folder)/.test(f));
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual([...names].sort());
  });

  it.each(names)('%s: exit code 2, the JSON pointer and what is allowed', async (name) => {
    const file = join(fixturesDir, `${name}.json`);
    const e = await runtime()
      .validateFile(file)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isInputError(e), String(e)).toBe(true);
    expect((e as { exitCode: number }).exitCode).toBe(2);
    const message = (e as Error).message;
    expect(message).toContain(file);
    for (const needle of expectations[name]!) expect(message).toContain(needle);
  });
});
