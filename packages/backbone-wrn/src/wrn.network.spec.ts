import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { WrnNetwork } from './wrn.network.js';
import { wrnPlugin } from './plugin.js';
import { WRN_PRESETS, wrnOptionsSchema, type WrnOptions, type WrnPreset } from './wrn.options.js';
import { backboneContext, describeBackbone, squareStages } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  WrnPreset,
  Record<'10' | '100', number>
>;

/** A network named as the presets are, `wrn_<depth>_<widen>`, named preset or not. */
type WrnName = `wrn_${number}_${number}`;
const options = (name: WrnName = 'wrn_16_1'): WrnOptions => {
  const [depth, widen] = name.slice(4).split('_').map(Number);
  return { name: 'wrn', depth: depth!, widen: widen! };
};
const conv = (hw: number, k: number, cin: number, cout: number) => 2 * hw * hw * k * k * cin * cout;
const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);

describeBackbone<WrnOptions, WrnName>({
  title: 'WrnNetwork',
  plugin: wrnPlugin,
  options,
  construct: (o, context) => new WrnNetwork(o, context),
  zoo: {
    variants: WRN_PRESETS,
    referenceCounts,
    // RepDistiller's table: WRN-40-2 has 2.26 M parameters on CIFAR-100.
    published: [['wrn_40_2', 100, 2_255_156]],
  },
  schema: {
    defaults: { name: 'wrn', depth: 40, widen: 2 },
    valid: [{ name: 'wrn', depth: 16, widen: 1 }],
    invalid: [
      { name: 'wrn', depth: 16.5 },
      { name: 'wrn', widen: 0 },
      { name: 'wrn', depth: 4 },
      { name: 'wrn', variant: 'wrn_40_2' },
    ],
  },
  builds: [
    {
      title: 'counts the FLOPs of convolutions, shortcuts and classifier',
      variant: 'wrn_10_2',
      flops:
        conv(32, 3, 3, 16) +
        (conv(32, 3, 16, 32) + conv(32, 3, 32, 32) + conv(32, 1, 16, 32)) +
        (conv(16, 3, 32, 64) + conv(16, 3, 64, 64) + conv(16, 1, 32, 64)) +
        (conv(8, 3, 64, 128) + conv(8, 3, 128, 128) + conv(8, 1, 64, 128)) +
        2 * 128 * 10,
    },
    {
      title: 'exposes stem, stage and pre-activation features, embedding and logits for 32×32×3',
      variant: 'wrn_16_2',
      stages: squareStages([32, 16, 8], [32, 64, 128]),
      forward: {
        batch: 1,
        derived: { stem: [32, 32, 16], preacts: 'after', extra: { stage3_relu: [8, 8, 128] } },
        embedding: 128,
        check: (out) => {
          // Fresh eval-mode BN is x / √(1 + ε): the preact is the stage output scaled, and the embedding is the pooled ReLU.
          const s3 = out.features['stage3']!;
          const pre = out.features['stage3_preact']!;
          expect(tf.max(tf.abs(tf.sub(pre, tf.div(s3, Math.sqrt(1 + 1e-5))))).dataSync()[0]).toBeLessThan(1e-5);
          expect(tf.min(pre).dataSync()[0]).toBeLessThan(0);
          const pooled = tf.mean(tf.relu(pre), [1, 2]);
          expect(tf.max(tf.abs(tf.sub(pooled, out.embedding))).dataSync()[0]).toBeLessThan(1e-5);
        },
      },
    },
    {
      title: 'handles 28×28×1 inputs (odd 7×7 last stage, 1-channel stem)',
      inputShape: [28, 28, 1],
      stages: squareStages([28, 14, 7], [16, 32, 64]),
      params: referenceCounts.wrn_16_1['10'] - 9 * 2 * 16,
      forward: {
        batch: 2,
        input: 'zeros',
        check: (out) => expect(out.features['stage3']!.shape).toEqual([2, 7, 7, 64]),
      },
    },
  ],
  init: {
    title: 'reference init statistics',
    names: [
      'stem_conv/kernel',
      'stage2_block1_short_conv/kernel',
      'stage1_block1_1_bn/gamma',
      'final_bn/moving_variance',
      'classifier/bias',
    ],
    ones: ['final_bn/gamma'],
    zeros: ['classifier/bias', 'final_bn/beta'],
    check: (byName) => {
      // WRN-16-1: group 1 keeps 16 channels, so its first block has the identity shortcut.
      expect(byName.has('stage1_block1_short_conv/kernel')).toBe(false);
      // normal(0, √(2 / (k²·out))) of a 3×3, 64→64 kernel: 0.0589 (36,864 samples).
      expect(std(byName.get('stage3_block2_2_conv/kernel')!)).toBeCloseTo(Math.sqrt(2 / (9 * 64)), 2);
      // Linear weight at PyTorch's default U(±1/√64), bias zeroed as in the reference.
      const fc = byName.get('classifier/kernel')!;
      expect(Math.max(...fc.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
      expect(fc.some((v) => v !== 0)).toBe(true);
    },
  },
  runningStats: { bn: 'final_bn', inputShape: [8, 8, 3], batch: 2 },
  trainingStep: {
    variants: ['wrn_16_2'],
    inputShape: [8, 8, 3],
    steps: 2,
  },
  export: { variants: ['wrn_16_1'], inputShape: [8, 8, 3], batch: 3 },
  factory: { variant: 'wrn_16_1', inputShape: [8, 8, 3], params: referenceCounts.wrn_16_1['10'] },
});

describe('WrnNetwork geometry', () => {
  it('defaults depth to 40 in its schema', () => {
    expect(wrnOptionsSchema.properties.depth.default).toBe(40);
  });

  it('rejects a depth that is not 6n + 4', () => {
    expect(() => new WrnNetwork(options('wrn_18_1'), backboneContext('x'))).toThrow(/6n \+ 4/);
    expect(() => new WrnNetwork(options('wrn_16_0'), backboneContext('x'))).toThrow(/widen/);
  });
});
