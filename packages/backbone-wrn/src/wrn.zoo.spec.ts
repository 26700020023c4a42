import { readFileSync } from 'node:fs';
import { Rng } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { WrnNetwork } from './wrn.network.js';
import { WRN_PRESETS, type WrnPreset } from './wrn.options.js';
import { readmeParamCounts, zooModelTests } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  WrnPreset,
  Record<string, number>
>;

// Stage output shapes at 32×32×3, from the reference definition (mdistiller cifar/wrn.py), not from this package's
// code: three groups of 16k, 32k, 64k channels at strides 1, 2, 2.
const ZOO: [WrnPreset, number[][]][] = [
  [
    'wrn_16_1',
    [
      [32, 32, 16],
      [16, 16, 32],
      [8, 8, 64],
    ],
  ],
  [
    'wrn_16_2',
    [
      [32, 32, 32],
      [16, 16, 64],
      [8, 8, 128],
    ],
  ],
  [
    'wrn_40_1',
    [
      [32, 32, 16],
      [16, 16, 32],
      [8, 8, 64],
    ],
  ],
  [
    'wrn_40_2',
    [
      [32, 32, 32],
      [16, 16, 64],
      [8, 8, 128],
    ],
  ],
];

beforeAll(async () => {
  // kd's default portable backend (what `kd run` uses without native TensorFlow), with kd's training kernels.
  await selectBackend('wasm');
});

it('covers every preset', () => {
  expect(ZOO.map(([p]) => p)).toEqual(Object.keys(WRN_PRESETS));
});

it('README parameter table agrees with test/param-counts.json', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const preset = (cell: string) => /^WRN-(\d+)-(\d+)$/.exec(cell)?.slice(1).join('_');
  expect(readmeParamCounts(readme, (cell) => (preset(cell) ? `wrn_${preset(cell)}` : undefined))).toEqual(referenceCounts);
});

describe.each(ZOO)('%s (32×32×3, 10 classes)', (preset, stages) => {
  const { depth, widen } = WRN_PRESETS[preset];
  zooModelTests(
    () => new WrnNetwork({ name: 'wrn', depth, widen }, { numClasses: 10, inputShape: [32, 32, 3], rng: new Rng(1), scope: preset }),
    { params: referenceCounts[preset]['10']!, stages },
  );
});
