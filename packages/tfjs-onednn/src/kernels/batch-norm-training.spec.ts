import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { batchNormTraining } from '@kd/tfjs-kernels';
import { rng } from '../../test/cases.js';
import { addonAvailable, useWasm } from '../../test/setup.js';
import { loadOneDnnAddon } from '../load-addon.js';

const available = addonAvailable();

/** Forward outputs and the gradients of Σ y·dy + Σ mean·a + Σ variance·b, as plain arrays. */
function run(x: Float32Array, shape: number[], extra: Float32Array[]): number[][] {
  const c = shape.at(-1)!;
  const [g, b, dy, a, v] = extra as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  return tf.tidy(() => {
    const xt = tf.tensor(x, shape);
    const gt = tf.tensor1d(g);
    const bt = tf.tensor1d(b);
    const out = batchNormTraining(xt, gt, bt, 1e-5);
    const f = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => {
      const r = batchNormTraining(xi, gi as tf.Tensor1D, bi as tf.Tensor1D, 1e-5);
      return tf.addN([
        tf.sum(tf.mul(r.y, tf.tensor(dy, shape))),
        tf.sum(tf.mul(r.mean, tf.tensor1d(a))),
        tf.sum(tf.mul(r.variance, tf.tensor1d(v))),
      ]);
    };
    const grads = tf.grads(f)([xt, gt, bt]);
    expect(out.mean.shape).toEqual([c]);
    return [out.y, out.mean, out.variance, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

function relError(p: number[], q: number[]): number {
  let num = 0;
  let den = 0;
  p.forEach((v, i) => {
    num = Math.max(num, Math.abs(v - q[i]!));
    den = Math.max(den, Math.abs(q[i]!));
  });
  return num / Math.max(den, 1e-30);
}

describe.skipIf(!available)('whole training-mode batch norm (KdBatchNormTraining and its gradient) in the addon', () => {
  const next = rng(0xbb7);
  const shape = [16, 12, 12, 24]; // above the size where the addon uses several threads
  const c = 24;
  const values = (n: number, shift = 0) => Float32Array.from({ length: n }, () => next() * 2 - 1 + shift);
  const x = values(16 * 12 * 12 * c, 0.5);
  const extra = [values(c, 1.5), values(c), values(x.length), values(c), values(c)];

  it("matches @kd/tfjs-kernels' plain-loop kernels (checked against float64) to 1e-5, every output and gradient", async () => {
    await useWasm(false);
    const plain = run(x, shape, extra);
    await useWasm(true);
    const native = run(x, shape, extra);
    expect(native).toHaveLength(6);
    native.forEach((n, i) => expect(relError(n, plain[i]!)).toBeLessThan(1e-5));
  });

  it('gives the same bits with one thread or two', async () => {
    await useWasm(true);
    const addon = loadOneDnnAddon().addon!;
    addon.setThreads(2);
    const two = run(x, shape, extra);
    addon.setThreads(1);
    expect(run(x, shape, extra)).toEqual(two);
  });

  it('leaves tensors it cannot take (a dy of another shape) to the replaced kernel, which names the problem', async () => {
    await useWasm(true);
    const before = tf.memory().numTensors;
    expect(() =>
      tf.tidy(() => {
        const v = tf.ones([4]);
        tf.engine().runKernel(
          'KdBatchNormTrainingGrad',
          { dy: tf.ones([2, 4]), x: tf.ones([3, 4]), scale: v, mean: v, variance: v, dMean: v, dVariance: v },
          { epsilon: 1e-5 },
        );
      }),
    ).toThrow(/dy must have x's shape \[3, 4\], got \[2, 4\]/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
