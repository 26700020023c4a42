import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { VggNetwork } from './vgg.network.js';
import { vggPlugin } from './plugin.js';
import { VGG_VARIANTS, vggOptionsSchema, type VggOptions, type VggVariant } from './vgg.options.js';
import { describeBackbone, squareStages } from '@kd/testing';

/** Trainable parameter counts of the PyTorch reference, written by test/make_param_counts.py. */
const referenceCounts = JSON.parse(readFileSync(new URL('../test/param-counts.json', import.meta.url), 'utf8')) as Record<
  VggVariant,
  Record<'10' | '100', number>
>;

const conv = (hw: number, cin: number, cout: number) => 2 * hw * hw * 9 * cin * cout;
const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);

describeBackbone<VggOptions, VggVariant>({
  title: 'VggNetwork',
  plugin: vggPlugin,
  options: (variant = 'vgg8') => ({ name: 'vgg', variant }),
  construct: (options, context) => new VggNetwork(options, context),
  zoo: {
    variants: VGG_VARIANTS,
    referenceCounts,
    schemaEnum: vggOptionsSchema.properties.variant.enum,
    // RepDistiller's table: vgg13 has 9.46 M parameters on CIFAR-100.
    published: [['vgg13', 100, 9_462_180]],
    // Parameter counts do not depend on the spatial size: 8×8 inputs keep the test fast.
    countInputShape: [8, 8, 3],
  },
  schema: {
    defaults: { name: 'vgg', variant: 'vgg13' },
    valid: [{ name: 'vgg', variant: 'vgg19' }],
    invalid: [
      { name: 'vgg', variant: 'vgg13_bn' },
      { name: 'vgg', depth: 13 },
    ],
  },
  builds: [
    {
      title: 'counts the FLOPs of convolutions and classifier',
      flops: conv(32, 3, 64) + conv(16, 64, 128) + conv(8, 128, 256) + conv(4, 256, 512) + conv(4, 512, 512) + 2 * 512 * 10,
    },
    {
      title: 'exposes stem, stage and pre-activation features, embedding and logits for 32×32×3',
      variant: 'vgg11',
      stages: squareStages([16, 8, 4, 4], [128, 256, 512, 512]),
      forward: {
        batch: 1,
        derived: { stem: [32, 32, 64], preacts: 'before' },
        embedding: 512,
        check: (out) => {
          const pre = out.features['stage4_preact']!;
          expect(tf.min(pre).dataSync()[0]).toBeLessThan(0);
          expect(Array.from(out.features['stage4']!.dataSync())).toEqual(Array.from(tf.relu(pre).dataSync()));
        },
      },
    },
    {
      title: 'pools before block 4 only for 64×64 inputs, as the reference',
      inputShape: [64, 64, 3],
      stages: squareStages([32, 16, 8, 4], [128, 256, 512, 512]),
    },
  ],
  init: {
    title: 'reference init statistics',
    inputShape: [8, 8, 3],
    names: ['block0_1_conv/kernel', 'block0_1_conv/bias', 'block4_1_bn/gamma', 'classifier/kernel'],
    ones: ['block0_1_bn/gamma'],
    zeros: ['block1_1_conv/bias', 'classifier/bias'],
    check: (byName) => {
      expect(std(byName.get('block1_1_conv/kernel')!)).toBeCloseTo(Math.sqrt(2 / (9 * 128)), 2);
      // Classifier: weight normal(0, 0.01), bias zero.
      expect(std(byName.get('classifier/kernel')!)).toBeCloseTo(0.01, 3);
    },
  },
  batchNormModes: {
    variants: ['vgg8'],
    inputShape: [8, 8, 3],
    bn: 'block0_1_bn',
    // The first norm's input: the 3×3 stride-1 conv with bias.
    bnInput: (n, input) => {
      const w = new Map(n.stateVariables().map((v) => [v.name, v.variable]));
      return tf.add(tf.conv2d(input, w.get('block0_1_conv/kernel') as tf.Tensor4D, 1, 'same'), w.get('block0_1_conv/bias')!);
    },
    deepBn: () => 'block4_1_bn',
  },
  trainingStep: {
    variants: ['vgg8'],
    inputShape: [8, 8, 3],
    steps: 2,
  },
  factory: { variant: 'vgg8', inputShape: [8, 8, 3], params: referenceCounts.vgg8['10'] },
});
