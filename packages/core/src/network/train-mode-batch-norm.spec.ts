import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { TORCH_BN_EPSILON, trainModeBatchNorm } from './train-mode-batch-norm.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The textbook expression, differentiated op by op by tfjs: an independent derivation of the same gradients. */
function opByOp(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D {
  const mean = tf.mean(x, [0, 1, 2]);
  const variance = tf.mean(tf.square(tf.sub(x, mean)), [0, 1, 2]);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, TORCH_BN_EPSILON))), gamma), beta) as tf.Tensor4D;
}

describe('trainModeBatchNorm', () => {
  it('normalises each channel over N, H, W with the biased variance, and its closed-form gradient equals the op-by-op one', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.add(tf.mul(tf.randomNormal([3, 4, 5, 6], 0, 1, 'float32', 7), 2), 0.5) as tf.Tensor4D;
      const gamma = tf.tensor1d([0.5, 1.5, -1, 2, 0.25, 1]);
      const beta = tf.tensor1d([0, 1, -2, 0.5, 3, -1]);
      // An uneven upstream gradient, so dβ and dγ are not trivially zero.
      const weights = tf.randomUniform([3, 4, 5, 6], -1, 1, 'float32', 11);
      const loss = (f: typeof opByOp) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D), weights));
      const y = trainModeBatchNorm(x, gamma, beta);
      // Each channel of (y − β)/γ has mean 0 and biased variance σ²/(σ² + ε) ≈ 1.
      const z = tf.div(tf.sub(y, beta), gamma);
      expect(Array.from(tf.mean(z, [0, 1, 2]).dataSync()).every((m) => Math.abs(m) < 1e-5)).toBe(true);
      expect(Array.from(tf.moments(z, [0, 1, 2]).variance.dataSync()).every((v) => Math.abs(v - 1) < 1e-4)).toBe(true);
      const mine = tf.grads(loss(trainModeBatchNorm))([x, gamma, beta]);
      const reference = tf.grads(loss(opByOp))([x, gamma, beta]);
      for (let i = 0; i < 3; i++) {
        const scale = tf.max(tf.abs(reference[i]!)).dataSync()[0]!;
        const error = tf.max(tf.abs(tf.sub(mine[i]!, reference[i]!))).dataSync()[0]!;
        expect(error / scale).toBeLessThan(1e-5);
      }
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
