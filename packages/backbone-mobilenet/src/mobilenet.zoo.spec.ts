import { readFileSync } from 'node:fs';
import { Rng } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { MobilenetNetwork } from './mobilenet.network.js';
import { MOBILENET_VARIANTS, type MobilenetVariant } from './mobilenet.options.js';
import { readmeParamCounts, zooModelTests } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  MobilenetVariant,
  Record<string, number>
>;

// Stage output shapes at 32×32×3, from the reference definitions, not from this package's code:
// - mdistiller cifar/mobilenetv2.py: stride-2 stem (→ 16); the stages are the outputs of block groups 2 (24·W channels,
//   stride 1 → 16), 3 (32·W, stride 2 → 8), 5 (96·W, strides 2, 1 → 4) and 7 (320·W, strides 2, 1 → 2);
// - MobileNetV1 (Howard et al.; mdistiller imagenet/mobilenetv1.py): stride-2 stem (→ 16), stride 2 in blocks 2, 4,
//   6 and 12; the stages are the outputs of blocks 3 (128, → 8), 5 (256, → 4), 11 (512, → 2) and 13 (1024, → 1).
//   32×32 is the smallest input whose last stage is 1×1 (its 224×224 shapes: mobilenet.network.spec.ts).
const ZOO: [MobilenetVariant, number[][]][] = [
  [
    'mobilenetv2',
    [
      [16, 16, 24],
      [8, 8, 32],
      [4, 4, 96],
      [2, 2, 320],
    ],
  ],
  [
    'mobilenetv2_half',
    [
      [16, 16, 12],
      [8, 8, 16],
      [4, 4, 48],
      [2, 2, 160],
    ],
  ],
  [
    'mobilenetv1',
    [
      [8, 8, 128],
      [4, 4, 256],
      [2, 2, 512],
      [1, 1, 1024],
    ],
  ],
];

beforeAll(async () => {
  // kd's default portable backend (what `kd run` uses without native TensorFlow), with kd's training kernels.
  await selectBackend('wasm');
});

it('covers every variant', () => {
  expect(ZOO.map(([v]) => v)).toEqual(Object.keys(MOBILENET_VARIANTS));
});

it('README parameter tables agree with test/param-counts.json', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readmeParamCounts(readme, (cell) => (cell in MOBILENET_VARIANTS ? cell : undefined))).toEqual(referenceCounts);
});

describe.each(ZOO)('%s (32×32×3, 10 classes)', (variant, stages) => {
  zooModelTests(
    () =>
      new MobilenetNetwork({ name: 'mobilenet', variant }, { numClasses: 10, inputShape: [32, 32, 3], rng: new Rng(1), scope: variant }),
    { params: referenceCounts[variant]['10']!, stages },
  );
});
