import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { ChannelSlice } from './channel-slice.layer.js';
import { ShufflenetNetwork } from './shufflenet.network.js';
import { shufflenetPlugin } from './plugin.js';
import { SHUFFLENET_VARIANTS, shufflenetOptionsSchema, type ShufflenetOptions, type ShufflenetVariant } from './shufflenet.options.js';
import { describeBackbone, squareStages } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  ShufflenetVariant,
  Record<'10' | '100', number>
>;

const VARIANTS = Object.keys(SHUFFLENET_VARIANTS) as ShufflenetVariant[];
const maxAbs = (xs: number[]) => xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

// Written from the reference definitions (mdistiller cifar/ShuffleNetv1.py, ShuffleNetv2.py), for one 32×32 image:
// a multiply-add counts 2, a grouped 1×1 conv in·out/g per pixel, a depthwise 3×3 9·C per output pixel.
const referenceFlops = (variant: ShufflenetVariant, classes: number): number => {
  let hw = 32;
  let cin = 24;
  let flops = 2 * hw * hw * 3 * 24; // 1×1 stem, stride 1
  if (variant === 'shufflenetv1') {
    for (const [out, units] of [
      [240, 4],
      [480, 8],
      [960, 4],
    ] as const) {
      for (let u = 0; u < units; u++) {
        const stride = u === 0 ? 2 : 1;
        const o = out - (u === 0 ? cin : 0); // the stride-2 unit is concatenated with its pooled input
        const mid = Math.floor(o / 4);
        const g1 = cin === 24 ? 1 : 3;
        const h = hw / stride;
        flops += (2 * hw * hw * cin * mid) / g1 + 2 * h * h * 9 * mid + (2 * h * h * mid * o) / 3;
        cin = out;
        hw = h;
      }
    }
    return flops + 2 * 960 * classes;
  }
  for (const [out, basic] of [
    [116, 3],
    [232, 7],
    [464, 3],
  ] as const) {
    const h = hw / 2;
    const mid = out / 2;
    // Down unit: left dw3×3/2 + 1×1; right 1×1 (at the input size) + dw3×3/2 + 1×1.
    flops += 2 * h * h * 9 * cin + 2 * h * h * cin * mid + 2 * hw * hw * cin * mid + 2 * h * h * 9 * mid + 2 * h * h * mid * mid;
    // Basic units on half the channels: 1×1, dw3×3, 1×1.
    flops += basic * 2 * h * h * (mid * mid + 9 * mid + mid * mid);
    cin = out;
    hw = h;
  }
  return flops + 2 * hw * hw * 464 * 1024 + 2 * 1024 * classes;
};

const flopsCase = (variant: ShufflenetVariant, readmeMflops: number) => ({
  title: `${variant} counts the FLOPs of every convolution (grouped, depthwise) and the classifier; README: ${readmeMflops} M at 100 classes`,
  variant,
  numClasses: 100,
  flops: referenceFlops(variant, 100),
  check: (n: { countFlops(): number }) => expect(Math.round(n.countFlops() / 1e5) / 10).toBe(readmeMflops),
});

describeBackbone<ShufflenetOptions, ShufflenetVariant>({
  title: 'ShufflenetNetwork',
  plugin: shufflenetPlugin,
  options: (variant = 'shufflenetv2') => ({ name: 'shufflenet', variant }),
  construct: (options, context) => new ShufflenetNetwork(options, context),
  zoo: { variants: SHUFFLENET_VARIANTS, referenceCounts, schemaEnum: shufflenetOptionsSchema.properties.variant.enum },
  schema: {
    defaults: { name: 'shufflenet', variant: 'shufflenetv2' },
    valid: [{ name: 'shufflenet', variant: 'shufflenetv1' }],
    invalid: [
      { name: 'shufflenet', variant: 'shufflenetv3' },
      { name: 'shufflenet', groups: 3 },
    ],
  },
  builds: [
    {
      title: 'exposes stem, stage (pre-activation first), embedding and logit outputs for 32×32×3 (shufflenetv2)',
      stages: squareStages([16, 8, 4], [116, 232, 464]),
      forward: {
        batch: 2,
        derived: { stem: [32, 32, 24], preacts: 'before' },
        embedding: 1024,
        check: (out) => {
          expect(tf.min(out.features['stage3_preact']!).dataSync()[0]).toBeLessThan(0);
          expect(tf.min(out.features['stage3']!).dataSync()[0]).toBeGreaterThanOrEqual(0);
        },
      },
    },
    {
      title: 'exposes the shufflenetv1 shapes for 32×32×3',
      variant: 'shufflenetv1',
      stages: squareStages([16, 8, 4], [240, 480, 960]),
      forward: {
        batch: 1,
        seed: 2,
        derived: { stem: [32, 32, 24], preacts: 'before' },
        embedding: 960,
        check: (out) => expect(tf.min(out.features['stage3_preact']!).dataSync()[0]).toBeLessThan(0),
      },
    },
    flopsCase('shufflenetv1', 77.4),
    flopsCase('shufflenetv2', 89.0),
  ],
  init: {
    title: 'PyTorch default bounds',
    ones: ['stem_bn/gamma'],
    check: (byName) => {
      // Depthwise 3×3: PyTorch fan_in = 9 → U(±1/3).
      const dw = byName.get('stage3_unit1_dw_conv/depthwise_kernel')!;
      expect(dw).toHaveLength(9 * 232);
      expect(maxAbs(dw)).toBeLessThanOrEqual(1 / 3);
      expect(maxAbs(dw)).toBeGreaterThan(0.3);
      // 1×1, 232 → 232: U(±1/√232).
      const pw = byName.get('stage3_unit1_conv1_conv/kernel')!;
      expect(maxAbs(pw)).toBeLessThanOrEqual(1 / Math.sqrt(232));
      expect(maxAbs(pw)).toBeGreaterThan(0.9 / Math.sqrt(232));
      expect(maxAbs(byName.get('classifier/kernel')!)).toBeLessThanOrEqual(1 / Math.sqrt(1024));
    },
  },
  batchNormModes: {
    variants: VARIANTS,
    inputShape: [8, 8, 3],
    bn: 'stem_bn',
    // The first norm's input: the 1×1 stride-1 stem conv.
    bnInput: (n, input) =>
      tf.conv2d(input, n.stateVariables().find((v) => v.name === 'stem_conv/kernel')!.variable as tf.Tensor4D, 1, 'valid'),
    deepBn: (variant) => (variant === 'shufflenetv2' ? 'head_bn' : 'stage3_unit4_conv3_bn'),
  },
  // 16×16 inputs keep the cpu-backend step short (maps 16 → 8 → 4 → 2; the weights do not depend on the size).
  trainingStep: {
    variants: VARIANTS,
    inputShape: [16, 16, 3],
    steps: 1,
    watch: (n) => n.stateVariables().find((v) => v.name.endsWith('dw_conv/depthwise_kernel'))!.variable,
  },
  export: {
    variants: VARIANTS,
    inputShape: [16, 16, 3],
    batch: 2,
    // The exported classifier round-trips through JSON (ChannelSlice registered).
    also: async (model, x, logits) => {
      const reloaded = await tfl.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
      reloaded.setWeights(model.getWeights());
      const again = tf.tidy(() => Array.from((reloaded.predict(x) as tf.Tensor).dataSync()));
      again.forEach((v, i) => expect(v).toBeCloseTo(logits[i]!, 5));
      reloaded.dispose();
    },
  },
  factory: { params: referenceCounts.shufflenetv2['10'] },
});

describe('ShufflenetNetwork channel shuffle', () => {
  it('shuffles channels as the reference (channel j·g + i ← i·C/g + j) and splits them exactly', () => {
    // 2 groups of 3 channels: [0 1 2 | 3 4 5] → [0 3 1 4 2 5]; through the network's own shuffle path.
    const x = tfl.input({ shape: [1, 1, 6] });
    const a = tfl.layers.reshape({ targetShape: [1, 1, 2, 3] }).apply(x) as tfl.SymbolicTensor;
    const b = tfl.layers.permute({ dims: [1, 2, 4, 3] }).apply(a) as tfl.SymbolicTensor;
    const y = tfl.layers.reshape({ targetShape: [1, 1, 6] }).apply(b) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: x, outputs: [y, new ChannelSlice({ start: 2, size: 3 }).apply(x) as tfl.SymbolicTensor] });
    tf.tidy(() => {
      const [shuffled, sliced] = m.predict(tf.tensor4d([0, 1, 2, 3, 4, 5], [1, 1, 1, 6])) as tf.Tensor[];
      expect(Array.from(shuffled!.dataSync())).toEqual([0, 3, 1, 4, 2, 5]);
      expect(Array.from(sliced!.dataSync())).toEqual([2, 3, 4]);
    });
    m.dispose();
  });
});
