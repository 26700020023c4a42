import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { ResnetNetwork } from './resnet.network.js';
import { resnetPlugin } from './plugin.js';
import { CIFAR_RESNET_VARIANTS, RESNET_VARIANTS, resnetOptionsSchema, type ResnetOptions, type ResnetVariant } from './resnet.options.js';
import { describeBackbone, squareStages } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  ResnetVariant,
  Record<'10' | '100', number>
>;

const conv = (hw: number, k: number, cin: number, cout: number) => 2 * hw * hw * k * k * cin * cout;
const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);

describeBackbone<ResnetOptions, ResnetVariant>({
  title: 'ResnetNetwork',
  plugin: resnetPlugin,
  options: (variant = 'resnet8') => ({ name: 'resnet', variant }),
  construct: (options, context) => new ResnetNetwork(options, context),
  zoo: {
    variants: RESNET_VARIANTS,
    referenceCounts,
    schemaEnum: resnetOptionsSchema.properties.variant.enum,
    published: [['resnet20', 100, 278_324]],
    counted: Object.keys(CIFAR_RESNET_VARIANTS) as ResnetVariant[],
  },
  schema: {
    defaults: { name: 'resnet', variant: 'resnet20' },
    valid: [{ name: 'resnet', variant: 'cifar_resnet50' }],
    invalid: [
      { name: 'resnet', variant: 'resnet101' },
      { name: 'resnet', depth: 20 },
    ],
  },
  builds: [
    {
      title: 'counts the FLOPs of convolutions, shortcuts and classifier',
      flops:
        conv(32, 3, 3, 16) +
        conv(32, 3, 16, 16) * 2 +
        (conv(16, 3, 16, 32) + conv(16, 3, 32, 32) + conv(16, 1, 16, 32)) +
        (conv(8, 3, 32, 64) + conv(8, 3, 64, 64) + conv(8, 1, 32, 64)) +
        2 * 64 * 10,
    },
    {
      title: 'exposes stem, stage and pre-activation features, embedding and logits for 32×32×3',
      variant: 'resnet8x4',
      stages: squareStages([32, 16, 8], [64, 128, 256]),
      forward: {
        batch: 1,
        derived: { stem: [32, 32, 32], preacts: 'before' },
        embedding: 256,
        check: (out) => {
          // Stage outputs are the ReLU of the pre-activations, which do go negative.
          const pre = out.features['stage3_preact']!;
          expect(tf.min(pre).dataSync()[0]).toBeLessThan(0);
          expect(Array.from(out.features['stage3']!.dataSync())).toEqual(Array.from(tf.relu(pre).dataSync()));
        },
      },
    },
    {
      title: 'handles 28×28×1 inputs (odd 7×7 last stage, 1-channel stem)',
      inputShape: [28, 28, 1],
      stages: squareStages([28, 14, 7], [16, 32, 64]),
      // The stem sees one channel: 3·3·1·16 instead of 3·3·3·16 weights.
      params: referenceCounts.resnet8['10'] - 9 * 2 * 16,
      forward: {
        batch: 2,
        input: 'zeros',
        derived: { stem: [28, 28, 16], preacts: 'before' },
        embedding: 64,
      },
    },
  ],
  init: {
    title: 'PyTorch init statistics',
    names: ['stem_conv/kernel', 'stage2_block1_down_conv/kernel', 'classifier/bias'],
    ones: ['stem_bn/gamma', 'stem_bn/moving_variance'],
    zeros: ['stem_bn/beta'],
    check: (byName) => {
      // kaiming_normal_(fan_out, relu) of a 3×3, 32→64 kernel: std = sqrt(2 / (9·64)) = 0.0589 (18,432 samples).
      expect(std(byName.get('stage3_block1_2_conv/kernel')!)).toBeCloseTo(Math.sqrt(2 / (9 * 64)), 2);
      // Linear: U(±1/√64) for weight and bias.
      expect(Math.max(...byName.get('classifier/kernel')!.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
      expect(Math.max(...byName.get('classifier/bias')!.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
      expect(byName.get('classifier/bias')!.some((v) => v !== 0)).toBe(true);
    },
  },
  runningStats: { bn: 'stage3_block1_down_bn', inputShape: [8, 8, 3], batch: 2 },
  trainingStep: {
    variants: ['resnet8'],
    inputShape: [8, 8, 3],
    steps: 2,
  },
  export: { variants: ['resnet8'], inputShape: [8, 8, 3], batch: 3 },
  factory: { variant: 'resnet14', inputShape: [8, 8, 3], params: referenceCounts.resnet14['10'] },
});
