import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; the runtime (like @tensorflow/tfjs) imports them once.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { absLikeTorch } from './abs-like-torch.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('absLikeTorch', () => {
  const values = [-2.5, -1e-30, 0, -0, 1e-30, 3];

  it('has the value of |x|', () => {
    expect(Array.from(absLikeTorch(tf.tensor1d(values)).dataSync())).toEqual(values.map((v) => Math.fround(Math.abs(v))));
  });

  it('has the gradient dy·sign(x) with sign(0) = 0 (PyTorch), where tf.abs gives −1 at 0', () => {
    const x = tf.tensor1d(values);
    const dy = tf.tensor1d([1, 2, 3, 4, 5, 6]);
    const ours = tf
      .grad((t: tf.Tensor) => tf.sum(tf.mul(absLikeTorch(t), dy)))(x)
      .dataSync();
    // PyTorch: torch.abs backward is grad · sgn(x), sgn(±0) = 0; a tiny nonzero value keeps its sign.
    expect(Array.from(ours)).toEqual([-1, -2, 0, 0, 5, 6]);
    const stock = tf
      .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.abs(t), dy)))(x)
      .dataSync();
    expect(stock[2]).toBe(-3); // the departure absLikeTorch exists for
  });

  it('keeps higher-rank shapes and frees its intermediates', () => {
    const x = tf.tensor4d([0, -1, 2, 0, 3, -4, 0, 5], [2, 2, 1, 2]);
    const before = tf.memory().numTensors;
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(absLikeTorch(t))))(x);
    expect(g.shape).toEqual([2, 2, 1, 2]);
    expect(Array.from(g.dataSync())).toEqual([0, -2, 4, 0, 6, -8, 0, 10]);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
