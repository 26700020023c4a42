import { readFileSync } from 'node:fs';
import { Rng } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { ResnetNetwork } from './resnet.network.js';
import { CIFAR_RESNET_VARIANTS, RESNET_VARIANTS, type ResnetVariant } from './resnet.options.js';
import { readmeParamCounts, zooModelTests } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  ResnetVariant,
  Record<string, number>
>;

// Stage output shapes at 32×32×3, from the reference definition (mdistiller cifar/resnet.py), not from this package's
// code: stages of 16, 32, 64 channels (×4 variants: 64, 128, 256, after a 32-channel stem) at strides 1, 2, 2.
const CIFAR = [
  [32, 32, 16],
  [16, 16, 32],
  [8, 8, 64],
];
const CIFAR_X4 = [
  [32, 32, 64],
  [16, 16, 128],
  [8, 8, 256],
];
const ZOO: [keyof typeof CIFAR_RESNET_VARIANTS, number[][]][] = [
  ['resnet8', CIFAR],
  ['resnet14', CIFAR],
  ['resnet20', CIFAR],
  ['resnet32', CIFAR],
  ['resnet44', CIFAR],
  ['resnet56', CIFAR],
  ['resnet110', CIFAR],
  ['resnet8x4', CIFAR_X4],
  ['resnet32x4', CIFAR_X4],
];

beforeAll(async () => {
  // kd's default portable backend (what `kd run` uses without native TensorFlow), with kd's training kernels.
  await selectBackend('wasm');
});

it('covers every three-stage variant (the four-stage ones: resnet.four-stage.zoo.spec.ts)', () => {
  expect(ZOO.map(([v]) => v)).toEqual(Object.keys(CIFAR_RESNET_VARIANTS));
});

it('README parameter tables agree with test/param-counts.json', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readmeParamCounts(readme, (cell) => (cell in RESNET_VARIANTS ? cell : undefined))).toEqual(referenceCounts);
});

describe.each(ZOO)('%s (32×32×3, 10 classes)', (variant, stages) => {
  zooModelTests(
    () => new ResnetNetwork({ name: 'resnet', variant }, { numClasses: 10, inputShape: [32, 32, 3], rng: new Rng(1), scope: variant }),
    { params: referenceCounts[variant]['10']!, stages },
  );
});
