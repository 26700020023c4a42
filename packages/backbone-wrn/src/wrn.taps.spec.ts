import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@kd/core';
import { WrnNetwork } from './wrn.network.js';

const context = (scope: string) => ({ numClasses: 10, inputShape: [16, 16, 3] as [number, number, number], rng: new Rng(3), scope });
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

/** Gives every batch norm distinctive statistics and affine parameters, so a tap read at the wrong layer shows. */
function perturbBatchNorms(n: WrnNetwork): void {
  const rng = new Rng(11);
  for (const { name, variable } of n.stateVariables()) {
    if (!/_bn\//.test(name)) continue;
    const values = Array.from({ length: variable.size }, () => rng.next());
    const v = name.endsWith('moving_variance') ? values.map((x) => 0.5 + x) : values.map((x) => 2 * x - 1);
    variable.assign(tf.tensor(v, variable.shape));
  }
}

beforeAll(async () => {
  await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
});

describe('WrnNetwork taps', () => {
  let n: WrnNetwork;
  beforeAll(() => {
    n = new WrnNetwork({ name: 'wrn', depth: 10, widen: 1 }, context('taps'));
    perturbBatchNorms(n);
  });
  afterAll(() => n.dispose());

  it('stage3_relu = relu(final BN(stage3)) in inference mode, computed here from the BN variables', () => {
    const byName = new Map(n.stateVariables().map((v) => [v.name, v.variable]));
    const get = (k: string) => byName.get(`final_bn/${k}`)!;
    tf.tidy(() => {
      const out = n.apply(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D, { training: false });
      const s3 = out.features['stage3']!;
      const bn = tf.add(
        tf.mul(tf.div(tf.sub(s3, get('moving_mean')), tf.sqrt(tf.add(get('moving_variance'), 1e-5))), get('gamma')),
        get('beta'),
      );
      const expected = tf.relu(bn);
      expect(maxAbsDiff(out.features['stage3_relu']!, expected)).toBeLessThan(1e-5);
      expect(maxAbsDiff(out.features['stage3_preact']!, bn)).toBeLessThan(1e-5);
      // and it is the tensor the classifier pools
      expect(maxAbsDiff(tf.mean(expected, [1, 2]), out.embedding)).toBeLessThan(1e-5);
      expect(tf.min(out.features['stage3_preact']!).dataSync()[0]).toBeLessThan(0);
    });
  });

  it('preactNorm gives γ, β of the batch norm that produces each stageN_preact (γ = 0 leaves exactly β)', () => {
    for (const stage of ['stage1', 'stage2', 'stage3']) {
      const affine = n.preactNorm(`${stage}_preact`)!;
      expect(affine.gamma).toHaveLength(n.stages.find((s) => s.name === stage)!.outputShape[2]!);
      // zero that batch norm's γ through the returned values' own layer: the feature must then be β everywhere
      const gammaVar = n
        .stateVariables()
        .find((v) => v.name.endsWith('/gamma') && Array.from(v.variable.dataSync()).every((x, i) => x === affine.gamma[i]))!.variable;
      const saved = gammaVar.clone();
      gammaVar.assign(tf.zerosLike(gammaVar));
      tf.tidy(() => {
        const pre = n.apply(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D, { training: false }).features[
          `${stage}_preact`
        ]!;
        expect(maxAbsDiff(pre, tf.broadcastTo(tf.tensor1d(affine.beta), pre.shape))).toBeLessThan(1e-6);
      });
      gammaVar.assign(saved);
      saved.dispose();
    }
    expect(n.preactNorm('stage3')).toBeUndefined();
    expect(n.preactNorm('stem')).toBeUndefined();
  });
});
