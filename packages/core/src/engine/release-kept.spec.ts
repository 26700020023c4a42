import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { releaseKept } from './release-kept.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('releaseKept', () => {
  it('hands a gradient closure’s kept terms to the enclosing tidy scope, which frees them with everything else', () => {
    const w = tf.variable(tf.tensor1d([1, -2, 3]));
    const before = tf.memory().numTensors;
    let read: Record<string, number[]> = {};
    tf.tidy(() => {
      const kept: Record<string, tf.Tensor> = {};
      const { grads } = tf.variableGrads(() => {
        const sq = tf.sum(tf.square(w)) as tf.Scalar;
        kept.square = tf.keep(sq);
        kept.doubled = tf.keep(tf.mul(w, 2));
        return sq;
      }, [w]);
      tf.dispose(grads);
      const released = releaseKept(kept);
      expect(kept.square!.isDisposed).toBe(true);
      expect(Object.keys(released)).toEqual(['square', 'doubled']);
      read = Object.fromEntries(Object.entries(released).map(([k, v]) => [k, Array.from(v.dataSync())]));
    });
    // 1 + 4 + 9, and 2·w: values computed by hand.
    expect(read).toEqual({ square: [14], doubled: [2, -4, 6] });
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });
});
