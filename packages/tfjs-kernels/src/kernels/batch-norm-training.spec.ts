import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { BACKENDS, randomValues, relativeError, rng, TOLERANCE, useBackend } from '../../test/harness.js';
import { registerTrainingKernels, unregisterTrainingKernels } from '../register.js';
import { batchNormTraining, hasBatchNormTraining } from '../ops/batch-norm-training.js';

/**
 * float64 reference: forward by the definition (two-pass mean and biased variance), backward by Ioffe & Szegedy's
 * (2015) chain rule through x̂, σ² and μ, with outside gradients `eMean`, `eVar` reaching μ and σ² directly —
 * a different derivation from the kernels' closed form.
 */
function reference(
  x: Float32Array,
  g: Float32Array,
  b: Float32Array,
  dy: Float32Array,
  eMean: Float32Array,
  eVar: Float32Array,
  eps: number,
) {
  const c = g.length;
  const n = x.length / c;
  const mu = new Float64Array(c);
  const v = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mu[i % c] += x[i]! / n;
  for (let i = 0; i < x.length; i++) v[i % c] += (x[i]! - mu[i % c]!) ** 2 / n;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = i % c;
    y[i] = ((x[i]! - mu[k]!) / Math.sqrt(v[k]! + eps)) * g[k]! + b[k]!;
  }
  const dVar = Float64Array.from(eVar);
  const dMu = Float64Array.from(eMean);
  const dg = new Float64Array(c);
  const db = new Float64Array(c);
  const sumCentered = new Float64Array(c);
  for (let i = 0; i < x.length; i++) {
    const k = i % c;
    const dxhat = dy[i]! * g[k]!;
    dVar[k] += dxhat * (x[i]! - mu[k]!) * -0.5 * (v[k]! + eps) ** -1.5;
    dMu[k] += -dxhat / Math.sqrt(v[k]! + eps);
    sumCentered[k] += -2 * (x[i]! - mu[k]!);
    dg[k] += (dy[i]! * (x[i]! - mu[k]!)) / Math.sqrt(v[k]! + eps);
    db[k] += dy[i]!;
  }
  for (let k = 0; k < c; k++) dMu[k] += (dVar[k]! * sumCentered[k]!) / n;
  const dx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = i % c;
    dx[i] = (dy[i]! * g[k]!) / Math.sqrt(v[k]! + eps) + (dVar[k]! * 2 * (x[i]! - mu[k]!)) / n + dMu[k]! / n;
  }
  return { y, mu, v, dx, dg, db };
}

const CASES = [
  { label: 'NHWC activations', shape: [4, 5, 6, 8], shift: 0 },
  { label: 'dense [N, C]', shape: [9, 5], shift: 0 },
  { label: 'odd sizes', shape: [3, 7, 5, 3], shift: 0 },
  { label: 'one row per channel group of 1×1 maps', shape: [2, 1, 1, 4], shift: 0 },
  { label: 'a large mean (shifted data)', shape: [6, 4, 4, 5], shift: 300 },
];

describe.each(BACKENDS)('KdBatchNormTraining on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    registerTrainingKernels(backend);
  });
  afterAll(() => unregisterTrainingKernels(backend));

  it('is available once the training kernels are registered', () => {
    expect(hasBatchNormTraining()).toBe(true);
  });

  it.each(CASES)('forward and gradient through all three outputs match the float64 reference: $label', ({ shape, shift }) => {
    const next = rng(0xb17 + shape.reduce((p, q) => p * q, 1));
    const c = shape.at(-1)!;
    const x = randomValues(next, shape).map((t) => t + shift);
    const g = randomValues(next, [c]).map((t) => t + 1.5);
    const b = randomValues(next, [c]);
    const dy = randomValues(next, shape);
    const eMean = randomValues(next, [c]);
    const eVar = randomValues(next, [c]);
    const eps = 1e-5;
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => {
      const xt = tf.tensor(x, shape);
      const gt = tf.tensor1d(g);
      const bt = tf.tensor1d(b);
      const out = batchNormTraining(xt, gt, bt, eps);
      // A loss whose gradient is dy at y, eMean at the mean and eVar at the variance.
      const f = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => {
        const r = batchNormTraining(xi, gi as tf.Tensor1D, bi as tf.Tensor1D, eps);
        return tf.addN([
          tf.sum(tf.mul(r.y, tf.tensor(dy, shape))),
          tf.sum(tf.mul(r.mean, tf.tensor1d(eMean))),
          tf.sum(tf.mul(r.variance, tf.tensor1d(eVar))),
        ]);
      };
      const [dx, dg, db] = tf.grads(f)([xt, gt, bt]);
      return [out.y, out.mean, out.variance, dx!, dg!, db!].map((t) => t.dataSync() as Float32Array);
    });
    expect(tf.memory().numTensors).toBe(before);
    const want = reference(x, g, b, dy, eMean, eVar, eps);
    const tol = shift > 0 ? 1e-4 : TOLERANCE; // float32 inputs near 300 carry ~3e-5 absolute rounding into x − μ
    expect(relativeError(got[0]!, want.y)).toBeLessThan(tol);
    expect(relativeError(got[1]!, want.mu)).toBeLessThan(TOLERANCE);
    expect(relativeError(got[2]!, want.v)).toBeLessThan(tol);
    expect(relativeError(got[3]!, want.dx)).toBeLessThan(tol);
    expect(relativeError(got[4]!, want.dg)).toBeLessThan(tol);
    expect(relativeError(got[5]!, want.db)).toBeLessThan(TOLERANCE);
  });

  it('rejects a scale that is not a vector of the channel count, naming both shapes', () => {
    tf.tidy(() => {
      expect(() => batchNormTraining(tf.zeros([2, 3, 3, 4]), tf.ones([3]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D, 1e-5)).toThrow(
        /scale must be a float32 vector of 4.*\[3\]/,
      );
    });
  });
});
