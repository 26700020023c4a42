import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@kd/core';
import { CnnNetwork } from './cnn.network.js';
import type { CnnOptions } from './cnn.options.js';

const options = (o: Partial<CnnOptions> = {}): CnnOptions =>
  ({ name: 'cnn', channels: [4, 6], convsPerStage: 2, batchNorm: true, head: 'gap', hidden: 0, ...o }) as CnnOptions;
const context = (scope: string) => ({ numClasses: 10, inputShape: [12, 12, 1] as [number, number, number], rng: new Rng(3), scope });

beforeAll(async () => {
  await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
});

describe('CnnNetwork.preactNorm', () => {
  it('gives γ, β of the batch norm producing each stageN_preact: with that γ zeroed the feature is exactly β', () => {
    const n = new CnnNetwork(options(), context('pn'));
    const rng = new Rng(9);
    for (const { name, variable } of n.stateVariables())
      if (/_bn\d\/(gamma|beta)$/.test(name)) variable.assign(tf.tensor(Array.from({ length: variable.size }, () => 2 * rng.next() - 1)));
    for (const stage of ['stage1', 'stage2']) {
      const affine = n.preactNorm(`${stage}_preact`)!;
      // the stage's last convolution's batch norm (convsPerStage 2), not its first
      const byName = new Map(n.stateVariables().map((v) => [v.name, v.variable]));
      expect(Array.from(affine.gamma)).toEqual(Array.from(byName.get(`${stage}_bn2/gamma`)!.dataSync()));
      const gamma = byName.get(`${stage}_bn2/gamma`)!;
      const saved = gamma.clone();
      gamma.assign(tf.zerosLike(gamma));
      tf.tidy(() => {
        const pre = n.apply(tf.randomNormal([2, 12, 12, 1], 0, 1, 'float32', 5) as tf.Tensor4D, { training: false }).features[
          `${stage}_preact`
        ]!;
        expect(tf.max(tf.abs(tf.sub(pre, tf.tensor1d(affine.beta)))).dataSync()[0]).toBeLessThan(1e-6);
      });
      gamma.assign(saved);
      saved.dispose();
    }
    expect(n.preactNorm('stage1')).toBeUndefined();
    n.dispose();
  });

  it('is undefined without batch norm', () => {
    const n = new CnnNetwork(options({ batchNorm: false }), context('nobn'));
    expect(n.preactNorm('stage1_preact')).toBeUndefined();
    n.dispose();
  });
});
