import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { adaptiveAvgPool2d, adaptiveAvgPool2dAdjoint } from './adaptive-avg-pool.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** PyTorch's bins written out in plain loops: cell o of n → m averages [floor(o·n/m), ceil((o+1)·n/m)). */
function bins(n: number, m: number): [number, number][] {
  return Array.from({ length: m }, (_, o) => [Math.floor((o * n) / m), Math.ceil(((o + 1) * n) / m)]);
}

/** `[N, H, W, C]` pooled to `[N, h, w, C]` by averaging each bin's cells, in float64. */
function byHand(x: tf.Tensor4D, h: number, w: number): Float64Array {
  const [n, height, width, c] = x.shape;
  const v = x.dataSync();
  const out = new Float64Array(n * h * w * c);
  bins(height, h).forEach(([r0, r1], i) =>
    bins(width, w).forEach(([c0, c1], j) => {
      for (let b = 0; b < n; b++)
        for (let k = 0; k < c; k++) {
          let sum = 0;
          for (let r = r0; r < r1; r++) for (let q = c0; q < c1; q++) sum += v[((b * height + r) * width + q) * c + k]!;
          out[((b * h + i) * w + j) * c + k] = sum / ((r1 - r0) * (c1 - c0));
        }
    }),
  );
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

// even windows (one average-pooling kernel), PyTorch's overlapping bins (matrix products) and one of each
const SIZES: [[number, number, number, number], [number, number]][] = [
  [
    [2, 28, 28, 3],
    [4, 4],
  ],
  [
    [2, 28, 28, 3],
    [1, 1],
  ],
  [
    [3, 6, 4, 2],
    [3, 2],
  ],
  [
    [2, 7, 5, 3],
    [4, 3],
  ],
  [
    [2, 14, 8, 2],
    [4, 2],
  ],
];

describe('adaptiveAvgPool2d', () => {
  it.each(SIZES)('pools %j to %j as PyTorch’s bins averaged by hand', (shape, [h, w]) => {
    tf.tidy(() => {
      const x = tf.randomNormal(shape, 0, 1, 'float32', 3) as tf.Tensor4D;
      const y = adaptiveAvgPool2d(x, [h, w]);
      expect(y.shape).toEqual([shape[0], h, w, shape[3]]);
      expect(maxAbsDiff(y.dataSync(), byHand(x, h, w))).toBeLessThan(1e-6);
    });
  });
});

describe('adaptiveAvgPool2dAdjoint', () => {
  it.each(SIZES)('is the transpose of pooling %j to %j: ⟨P x, g⟩ = ⟨x, Pᵀ g⟩, and the gradient of ⟨P x, g⟩', (shape, [h, w]) => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomNormal(shape, 0, 1, 'float32', 5) as tf.Tensor4D;
      const g = tf.randomNormal([shape[0]!, h, w, shape[3]!], 0, 1, 'float32', 6) as tf.Tensor4D;
      const back = adaptiveAvgPool2dAdjoint(g, [shape[1], shape[2]]);
      expect(back.shape).toEqual(shape);
      const left = tf.sum(tf.mul(adaptiveAvgPool2d(x, [h, w]), g)).dataSync()[0]!;
      const right = tf.sum(tf.mul(x, back)).dataSync()[0]!;
      expect(Math.abs(left - right)).toBeLessThan(1e-5 * Math.max(1, Math.abs(left)));
      const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(adaptiveAvgPool2d(a as tf.Tensor4D, [h, w]), g)))(x);
      expect(maxAbsDiff(grad.dataSync(), back.dataSync())).toBeLessThan(1e-6);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
