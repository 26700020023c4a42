import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients (Reshape, Mean, … are needed around FusedBatchNorm).
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { BACKENDS, randomValues, relativeError, rng, useBackend } from '../../test/harness.js';
import { registerTrainingKernels, unregisterTrainingKernels } from '../register.js';

/**
 * float64 reference, derived by hand from y = (x − m)·g/√(v+ε) + b with m, v, g, b per channel (the last axis) and
 * every input independent (as FusedBatchNorm sees them):
 *   ∂x = dy·g/σ, ∂b = Σdy, ∂g = Σ dy·(x−m)/σ, ∂m = −Σ dy·g/σ, ∂v = Σ dy·(x−m)·g·(−½)·σ⁻³, σ = √(v+ε).
 */
function reference(x: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array | null, dy: Float32Array, eps: number) {
  const c = m.length;
  const dx = new Float64Array(x.length);
  const [dm, dv, dg, db] = [0, 0, 0, 0].map(() => new Float64Array(c)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  for (let i = 0; i < x.length; i++) {
    const k = i % c;
    const sigma = Math.sqrt(v[k]! + eps);
    const gk = g ? g[k]! : 1;
    const xc = x[i]! - m[k]!;
    dx[i] = (dy[i]! * gk) / sigma;
    db[k] += dy[i]!;
    dg[k] += (dy[i]! * xc) / sigma;
    dm[k] -= (dy[i]! * gk) / sigma;
    dv[k] += dy[i]! * xc * gk * -0.5 * sigma ** -3;
  }
  return { dx, dm, dv, dg, db };
}

interface Case {
  label: string;
  shape: number[];
  withScale: boolean;
}
// (tf.batchNorm without a scale cannot be differentiated at all in tfjs 4.22: the engine saves the missing input.)
const CASES: Case[] = [
  { label: 'NHWC activations', shape: [3, 5, 4, 6], withScale: true },
  { label: 'dense activations [N, C]', shape: [7, 5], withScale: true },
  { label: 'odd sizes', shape: [5, 7, 3, 3], withScale: true },
];

describe.each(BACKENDS)('FusedBatchNorm gradient on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    registerTrainingKernels(backend);
  });
  afterAll(() => unregisterTrainingKernels(backend));

  it.each(CASES)('matches the hand-derived float64 gradient: $label', ({ shape, withScale }) => {
    const next = rng(0xb47 + shape.length * 31 + (withScale ? 1 : 0));
    const c = shape.at(-1)!;
    const x = randomValues(next, shape);
    const m = randomValues(next, [c]);
    const v = randomValues(next, [c]).map((t) => 0.2 + Math.abs(t));
    const g = randomValues(next, [c]);
    const b = randomValues(next, [c]);
    const dy = randomValues(next, shape);
    const eps = 1e-3;
    const got = tf.tidy(() => {
      const f = (xt: tf.Tensor, mt: tf.Tensor, vt: tf.Tensor, gt: tf.Tensor, bt: tf.Tensor) =>
        tf.batchNorm(xt, mt, vt, bt, withScale ? gt : undefined, eps);
      const inputs = [tf.tensor(x, shape), tf.tensor(m), tf.tensor(v), tf.tensor(g), tf.tensor(b)];
      const grads = tf.grads(f)(inputs, tf.tensor(dy, shape));
      return grads.map((t) => t.dataSync() as Float32Array);
    });
    const want = reference(x, m, v, withScale ? g : null, dy, eps);
    expect(relativeError(got[0]!, want.dx)).toBeLessThan(1e-5);
    expect(relativeError(got[1]!, want.dm)).toBeLessThan(1e-5);
    expect(relativeError(got[2]!, want.dv)).toBeLessThan(1e-5);
    if (withScale) expect(relativeError(got[3]!, want.dg)).toBeLessThan(1e-5);
    expect(relativeError(got[4]!, want.db)).toBeLessThan(1e-5);
  });

  it('trains a batch-statistics BN (tf.moments → batchNorm, as tfjs-layers does) to the textbook gradient, without Tile', async () => {
    const shape = [4, 3, 3, 5];
    const next = rng(0x5eed);
    const x = randomValues(next, shape);
    const g = randomValues(next, [5]);
    const dy = randomValues(next, shape);
    const eps = 1e-5;
    const f = (xt: tf.Tensor) => {
      const { mean, variance } = tf.moments(xt, [0, 1, 2]);
      return tf.batchNorm(xt, mean, variance, tf.zeros([5]), tf.tensor(g), eps);
    };
    let got: Float32Array | undefined;
    const profile = await tf.profile(() => {
      got = tf.tidy(() => tf.grad(f)(tf.tensor(x, shape), tf.tensor(dy, shape)).dataSync() as Float32Array);
    });
    expect(profile.kernels.map((k) => k.name)).not.toContain('Tile');
    // dx = γ/(σN)·(N·dy − Σdy − x̂·Σ(dy·x̂)), with batch mean and biased variance per channel.
    const c = 5;
    const n = x.length / c;
    const want = new Float64Array(x.length);
    for (let k = 0; k < c; k++) {
      let mean = 0;
      for (let i = k; i < x.length; i += c) mean += x[i]! / n;
      let variance = 0;
      for (let i = k; i < x.length; i += c) variance += (x[i]! - mean) ** 2 / n;
      const sigma = Math.sqrt(variance + eps);
      let sdy = 0;
      let sdyx = 0;
      for (let i = k; i < x.length; i += c) {
        sdy += dy[i]!;
        sdyx += (dy[i]! * (x[i]! - mean)) / sigma;
      }
      for (let i = k; i < x.length; i += c) want[i] = (g[k]! / (sigma * n)) * (n * dy[i]! - sdy - ((x[i]! - mean) / sigma) * sdyx);
    }
    expect(relativeError(got!, want)).toBeLessThan(1e-4);
  });

  it('leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 1);
      tf.grad((t: tf.Tensor) => {
        const { mean, variance } = tf.moments(t, [0, 1, 2]);
        return tf.batchNorm(t, mean, variance, tf.zeros([4]), tf.ones([4]), 1e-5);
      })(x);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
