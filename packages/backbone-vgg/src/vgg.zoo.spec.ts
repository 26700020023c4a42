import { readFileSync } from 'node:fs';
import { Rng } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { VggNetwork } from './vgg.network.js';
import { VGG_VARIANTS, type VggVariant } from './vgg.options.js';
import { readmeParamCounts, zooModelTests } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  VggVariant,
  Record<string, number>
>;

// Stage output shapes at 32×32×3, from the reference definition (mdistiller cifar/vgg.py), not from this package's
// code: block0 (64) at 32×32, pool; block1 (128) → f1 at 16×16, pool; block2 (256) → f2 at 8×8, pool; block3 (512) →
// f3 at 4×4; pool3 only when h == 64; block4 (512) → f4 at 4×4. Every variant has the same widths.
const STAGES = [
  [16, 16, 128],
  [8, 8, 256],
  [4, 4, 512],
  [4, 4, 512],
];
const ZOO: [VggVariant, number[][]][] = [
  ['vgg8', STAGES],
  ['vgg11', STAGES],
  ['vgg13', STAGES],
  ['vgg16', STAGES],
  ['vgg19', STAGES],
];

beforeAll(async () => {
  // kd's default portable backend (what `kd run` uses without native TensorFlow), with kd's training kernels.
  await selectBackend('wasm');
});

it('covers every variant', () => {
  expect(ZOO.map(([v]) => v)).toEqual(Object.keys(VGG_VARIANTS));
});

it('README parameter table agrees with test/param-counts.json', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readmeParamCounts(readme, (cell) => (cell in VGG_VARIANTS ? cell : undefined))).toEqual(referenceCounts);
});

describe.each(ZOO)('%s (32×32×3, 10 classes)', (variant, stages) => {
  zooModelTests(
    () => new VggNetwork({ name: 'vgg', variant }, { numClasses: 10, inputShape: [32, 32, 3], rng: new Rng(1), scope: variant }),
    { params: referenceCounts[variant]['10']!, stages },
    // A convolution bias right before a batch norm in training mode: the norm subtracts the batch mean, so its
    // gradient is zero (up to rounding), as in the reference; every other weight must get a non-zero gradient.
    { zeroGradient: (name) => /_conv\/bias$/.test(name) },
  );
});
