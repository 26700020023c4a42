import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { MobilenetNetwork } from './mobilenet.network.js';
import { mobilenetPlugin } from './plugin.js';
import { MOBILENET_VARIANTS, mobilenetOptionsSchema, type MobilenetOptions, type MobilenetVariant } from './mobilenet.options.js';
import { describeBackbone, squareStages } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  MobilenetVariant,
  Record<string, number>
>;

const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);

describeBackbone<MobilenetOptions, MobilenetVariant>({
  title: 'MobilenetNetwork',
  plugin: mobilenetPlugin,
  options: (variant = 'mobilenetv2_half') => ({ name: 'mobilenet', variant }),
  construct: (options, context) => new MobilenetNetwork(options, context),
  zoo: {
    variants: MOBILENET_VARIANTS,
    referenceCounts,
    schemaEnum: mobilenetOptionsSchema.properties.variant.enum,
    published: [['mobilenetv1', 1000, 4_231_976]],
  },
  schema: {
    defaults: { name: 'mobilenet', variant: 'mobilenetv2_half' },
    invalid: [
      { name: 'mobilenet', variant: 'mobilenetv3' },
      { name: 'mobilenet', widthMult: 0.5 },
    ],
  },
  builds: [
    {
      title: 'exposes stem and stage features, embedding and logits for 32×32×3 (mobilenetv2_half)',
      stages: squareStages([16, 8, 4, 2], [12, 16, 48, 160]),
      forward: {
        batch: 2,
        derived: { stem: [16, 16, 16], preacts: 'none' },
        embedding: 1280,
        check: (out) => {
          // Stage features end in a linear projection + BN (the reference's "BN before ReLU"): they go negative.
          expect(tf.min(out.features['stage4']!).dataSync()[0]).toBeLessThan(0);
          expect(tf.min(out.features['stem']!).dataSync()[0]).toBeGreaterThanOrEqual(0);
        },
      },
    },
    {
      title: 'has the full-width stage shapes for mobilenetv2',
      variant: 'mobilenetv2',
      stages: squareStages([16, 8, 4, 2], [24, 32, 96, 320]),
    },
    {
      title: 'mobilenetv1: 4,231,976 parameters at 1000 classes, ImageNet stage shapes at 224×224×3 (no forward pass)',
      variant: 'mobilenetv1',
      inputShape: [224, 224, 3],
      numClasses: 1000,
      params: 4_231_976,
      stages: squareStages([56, 28, 14, 7], [128, 256, 512, 1024]),
      // 567.7 M multiply-adds in the convolutions + 1.0 M in the classifier: the MobileNetV1 paper's 569 M.
      flops: 2 * 567_716_352 + 2 * 1024 * 1000,
    },
    {
      title: 'mobilenetv1 forward at 64×64×3: ReLU features (post-activation), embedding 1024',
      variant: 'mobilenetv1',
      inputShape: [64, 64, 3],
      stages: squareStages([16, 8, 4, 2], [128, 256, 512, 1024]),
      forward: {
        batch: 1,
        derived: { stem: [32, 32, 32], preacts: 'none' },
        embedding: 1024,
        check: (out) => expect(tf.min(out.features['stage4']!).dataSync()[0]).toBeGreaterThanOrEqual(0),
      },
      check: (n) => {
        const byName = new Map(n.stateVariables().map((v) => [v.name, v.variable.shape]));
        expect(byName.get('block2_dw_conv/depthwise_kernel')).toEqual([3, 3, 64, 1]);
        expect(byName.get('block13_pw_conv/kernel')).toEqual([1, 1, 1024, 1024]);
      },
    },
  ],
  init: {
    title: 'reference init statistics',
    ones: ['stem_bn/gamma', 'head_bn/moving_variance'],
    zeros: ['classifier/bias'],
    check: (byName) => {
      // Depthwise 3×3 over 480 channels (block7_1 of the half variant: 80·6): N(0, √(2 / (9·480))), 4,320 samples.
      const dw = byName.get('block7_1_dw_conv/depthwise_kernel')!;
      expect(dw).toHaveLength(9 * 480);
      expect(std(dw) / Math.sqrt(2 / (9 * 480))).toBeCloseTo(1, 1);
      // Pointwise 1×1, 80 → 480: Kaiming fan-out, std = √(2 / 480).
      expect(std(byName.get('block7_1_expand_conv/kernel')!) / Math.sqrt(2 / 480)).toBeCloseTo(1, 1);
      // Classifier N(0, 0.01) with zero bias, as the reference.
      expect(std(byName.get('classifier/kernel')!) / 0.01).toBeCloseTo(1, 1);
    },
  },
  batchNormModes: {
    variants: ['mobilenetv2_half', 'mobilenetv1'],
    inputShape: [16, 16, 3],
    bn: 'stem_bn',
    // The first norm's input: the 3×3 stride-2 stem conv, padded by one pixel like PyTorch's padding=1.
    bnInput: (n, input) => {
      const kernel = n.stateVariables().find((v) => v.name === 'stem_conv/kernel')!.variable as tf.Tensor4D;
      const padded = tf.pad(input, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]);
      return tf.conv2d(padded, kernel, 2, 'valid');
    },
    deepBn: (variant) => (variant === 'mobilenetv1' ? 'block13_pw_bn' : 'head_bn'),
  },
  trainingStep: {
    title: 'trains a step without leaking tensors (stock cpu gradients, depthwise included), and changes the weights',
    variants: ['mobilenetv2_half'],
    inputShape: [32, 32, 3],
    steps: 1,
    watch: (n) => n.stateVariables().find((v) => v.name === 'block3_1_dw_conv/depthwise_kernel')!.variable,
  },
  factory: { params: referenceCounts.mobilenetv2_half['10'] },
});
