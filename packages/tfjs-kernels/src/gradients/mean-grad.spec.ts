import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { BACKENDS, rng, useBackend } from '../../test/harness.js';
import { registerTrainingKernels } from '../register.js';

describe.each(BACKENDS)('Mean gradient on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    registerTrainingKernels(backend);
  });

  it.each([[[0, 1, 2]], [[1, 2]], [[0]], [[3]], [[-1, 0]]])('over axes %j: ∂(Σ w·mean(x))/∂x = w / n, broadcast back', (axes) => {
    const next = rng(0x3ea7);
    const shape = [3, 4, 5, 6];
    const x = tf.tensor(
      Float32Array.from({ length: 360 }, () => next()),
      shape,
    );
    const outShape = shape.map((d, i) => (axes.some((a) => (a + 4) % 4 === i) ? 1 : d));
    const w = Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, axes, true), tf.tensor(w, outShape))))(x);
    const n = 360 / w.length;
    const strides = tf.util.computeStrides(shape);
    const outStrides = tf.util.computeStrides(outShape);
    Array.from(g.dataSync()).forEach((v, flat) => {
      const idx = shape.map((_, i) => Math.floor(flat / (strides[i] ?? 1)) % shape[i]!);
      const o = idx.reduce((acc, c, i) => acc + (outShape[i] === 1 ? 0 : c) * (outStrides[i] ?? 1), 0);
      expect(v).toBeCloseTo(w[o]! / n, 6);
    });
    tf.dispose([x, g]);
  });
});
