import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { CnnNetwork } from './cnn.network.js';
import { cnnPlugin } from './plugin.js';
import type { CnnOptions } from './cnn.options.js';
import { backboneContext, describeBackbone, squareStages } from '@kd/testing';

const options = (o: Partial<CnnOptions> = {}): CnnOptions => ({
  name: 'cnn',
  channels: [4, 8],
  convsPerStage: 1,
  batchNorm: true,
  hidden: 0,
  head: 'gap',
  ...o,
});

describeBackbone<CnnOptions, Partial<CnnOptions>>({
  title: 'CnnNetwork',
  plugin: cnnPlugin,
  options,
  construct: (o, context) => new CnnNetwork(o, context),
  inputShape: [28, 28, 1],
  builds: [
    {
      title: 'has the hand-counted parameters and FLOPs',
      // conv 3·3·1·4 + BN 2·4, conv 3·3·4·8 + BN 2·8, classifier 8·10 + 10
      params: 36 + 8 + 288 + 16 + 80 + 10,
      flops: 2 * 28 * 28 * 9 * 4 + 2 * 14 * 14 * 9 * 4 * 8 + 2 * 8 * 10,
    },
    {
      title: 'has the hand-counted parameters with a flattening head, a hidden layer and no batch norm',
      variant: { head: 'flatten', hidden: 16, batchNorm: false },
      // conv with bias 36+4, 288+8; flatten 7·7·8 = 392 → 16 (+16) → 10 (+10)
      params: 40 + 296 + 392 * 16 + 16 + 160 + 10,
    },
    {
      title: 'exposes every stage feature with its shape, the embedding and the logits',
      stages: squareStages([14, 7], [4, 8]),
      forward: {
        batch: 2,
        input: 'zeros',
        features: {
          stage1_preact: [2, 28, 28, 4],
          stage1: [2, 14, 14, 4],
          stage2_preact: [2, 14, 14, 8],
          stage2: [2, 7, 7, 8],
        },
        embedding: 8,
      },
    },
  ],
  init: {
    title: 'Kaiming std for convs',
    variant: { channels: [32] },
    names: ['stage1_conv1/kernel'],
    check: (byName) => {
      const kernel = byName.get('stage1_conv1/kernel')!;
      const std = Math.sqrt(kernel.reduce((s, x) => s + x * x, 0) / kernel.length);
      // kaiming_normal_(mode='fan_out') of a 3×3, 1→32 kernel: std = sqrt(2 / (3·3·32)) = 0.0833 (288 samples: ±~0.0035)
      expect(std).toBeGreaterThan(0.074);
      expect(std).toBeLessThan(0.093);
    },
  },
  runningStats: { bn: 'stage1_bn1', inputShape: [28, 28, 1], batch: 4 },
  export: { variants: [undefined], inputShape: [28, 28, 1], batch: 3 },
  factory: { variant: { channels: [2] } },
});

describe('CnnNetwork forward', () => {
  it('leaks no tensor per forward pass, in either mode', () => {
    const n = new CnnNetwork(options(), backboneContext('e', 1, [28, 28, 1]));
    const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (const training of [true, false, true])
      tf.tidy(() => {
        n.apply(x, { training });
      });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    n.dispose();
  });
});
