import { readFileSync } from 'node:fs';
import { Rng } from '@kd/core';
import { selectBackend } from '@kd/core/host';
import { ResnetNetwork } from './resnet.network.js';
import { FOUR_STAGE_RESNET_VARIANTS, type ResnetVariant } from './resnet.options.js';
import { zooModelTests } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  ResnetVariant,
  Record<string, number>
>;

// The four-stage ResNets have 11–25 M parameters: each runs at the smallest input whose last stage is 1×1 (their
// shapes at 224×224 and 32×32 are checked in resnet.four-stage.spec.ts). Stage shapes from the reference definitions,
// not from this package's code:
// - torchvision resnet18/34/50 at 32×32: 7×7/2 stem (→ 16) and 3×3/2 max-pool (→ 8), then strides 1, 2, 2, 2 → 8, 4,
//   2, 1, with 64, 128, 256, 512 channels (× 4, the Bottleneck expansion, for resnet50);
// - mdistiller cifar/resnetv2.py ResNet18/50 at 8×8: 3×3/1 stem, strides 1, 2, 2, 2 → 8, 4, 2, 1.
const BASIC = [
  [8, 8, 64],
  [4, 4, 128],
  [2, 2, 256],
  [1, 1, 512],
];
const BOTTLENECK = [
  [8, 8, 256],
  [4, 4, 512],
  [2, 2, 1024],
  [1, 1, 2048],
];
const ZOO: { variant: keyof typeof FOUR_STAGE_RESNET_VARIANTS; size: number; stages: number[][] }[] = [
  { variant: 'resnet18', size: 32, stages: BASIC },
  { variant: 'resnet34', size: 32, stages: BASIC },
  { variant: 'resnet50', size: 32, stages: BOTTLENECK },
  { variant: 'cifar_resnet18', size: 8, stages: BASIC },
  { variant: 'cifar_resnet50', size: 8, stages: BOTTLENECK },
];

beforeAll(async () => {
  // kd's default portable backend (what `kd run` uses without native TensorFlow), with kd's training kernels.
  await selectBackend('wasm');
});

it('covers every four-stage variant', () => {
  expect(ZOO.map((z) => z.variant)).toEqual(Object.keys(FOUR_STAGE_RESNET_VARIANTS));
});

describe.each(ZOO)('$variant ($size×$size×3, 10 classes)', ({ variant, size, stages }) => {
  zooModelTests(
    () => new ResnetNetwork({ name: 'resnet', variant }, { numClasses: 10, inputShape: [size, size, 3], rng: new Rng(1), scope: variant }),
    { params: referenceCounts[variant]['10']!, stages },
  );
});
