import { readFileSync } from 'node:fs';
import { Rng } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { registerChannelSlice } from './channel-slice.layer.js';
import { ShufflenetNetwork } from './shufflenet.network.js';
import { SHUFFLENET_VARIANTS, type ShufflenetVariant } from './shufflenet.options.js';
import { readmeParamCounts, zooModelTests } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  ShufflenetVariant,
  Record<string, number>
>;

// Stage output shapes at 32×32×3, from the reference definitions (mdistiller cifar/ShuffleNetv1.py, ShuffleNetv2.py),
// not from this package's code: a stride-1 1×1 stem, then three stages that each start with a stride-2 unit
// (→ 16, 8, 4), of 240, 480, 960 channels (ShuffleV1) or 116, 232, 464 (ShuffleV2, net_size 1).
const ZOO: [ShufflenetVariant, number[][]][] = [
  [
    'shufflenetv1',
    [
      [16, 16, 240],
      [8, 8, 480],
      [4, 4, 960],
    ],
  ],
  [
    'shufflenetv2',
    [
      [16, 16, 116],
      [8, 8, 232],
      [4, 4, 464],
    ],
  ],
];

beforeAll(async () => {
  // kd's default portable backend (what `kd run` uses without native TensorFlow), with kd's training kernels.
  await selectBackend('wasm');
});

it('covers every variant', () => {
  expect(ZOO.map(([v]) => v)).toEqual(Object.keys(SHUFFLENET_VARIANTS));
});

it('README parameter table agrees with test/param-counts.json', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readmeParamCounts(readme, (cell) => (cell in SHUFFLENET_VARIANTS ? cell : undefined))).toEqual(referenceCounts);
});

describe.each(ZOO)('%s (32×32×3, 10 classes)', (variant, stages) => {
  zooModelTests(
    () =>
      new ShufflenetNetwork({ name: 'shufflenet', variant }, { numClasses: 10, inputShape: [32, 32, 3], rng: new Rng(1), scope: variant }),
    { params: referenceCounts[variant]['10']!, stages },
    // What a program that loads an exported ShuffleNet must call first (the custom channel-slice layer).
    { beforeLoad: registerChannelSlice },
  );
});
