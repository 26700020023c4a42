import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@kd/core';
import { VggNetwork } from './vgg.network.js';

const context = (scope: string) => ({ numClasses: 10, inputShape: [16, 16, 3] as [number, number, number], rng: new Rng(3), scope });

beforeAll(async () => {
  await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
});

describe('VggNetwork.preactNorm', () => {
  it('gives γ, β of the block’s last batch norm (the reference’s block[-1]): with that γ zeroed the stage preact is exactly β', () => {
    const n = new VggNetwork({ name: 'vgg', variant: 'vgg11' }, context('pn'));
    const rng = new Rng(9);
    for (const { name, variable } of n.stateVariables())
      if (/_bn\/(gamma|beta)$/.test(name)) variable.assign(tf.tensor(Array.from({ length: variable.size }, () => 2 * rng.next() - 1)));
    const byName = new Map(n.stateVariables().map((v) => [v.name, v.variable]));
    // vgg11 blocks 1–4 have 1, 2, 2, 2 convolutions: the second one's batch norm where there are two
    const last = ['block1_1_bn', 'block2_2_bn', 'block3_2_bn', 'block4_2_bn'];
    last.forEach((bn, i) => {
      const affine = n.preactNorm(`stage${i + 1}_preact`)!;
      expect(Array.from(affine.beta)).toEqual(Array.from(byName.get(`${bn}/beta`)!.dataSync()));
      const gamma = byName.get(`${bn}/gamma`)!;
      const saved = gamma.clone();
      gamma.assign(tf.zerosLike(gamma));
      tf.tidy(() => {
        const pre = n.apply(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D, { training: false }).features[
          `stage${i + 1}_preact`
        ]!;
        expect(tf.max(tf.abs(tf.sub(pre, tf.tensor1d(affine.beta)))).dataSync()[0]).toBeLessThan(1e-6);
      });
      gamma.assign(saved);
      saved.dispose();
    });
    expect(n.preactNorm('stem')).toBeUndefined();
    n.dispose();
  });
});
