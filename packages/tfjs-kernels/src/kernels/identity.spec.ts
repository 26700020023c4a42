import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { useBackend } from '../../test/harness.js';
import { registerTrainingKernels } from '../register.js';

describe('wasm Identity and same-dtype Cast share data instead of copying it', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerTrainingKernels('wasm');
  });

  it('a clone reads the same values, allocates no data and outlives its source', () => {
    const x = tf.tensor([1.5, -2, 3.25], [3]);
    const ids = tf.engine().backend.numDataIds();
    const y = tf.clone(x);
    expect(tf.engine().backend.numDataIds()).toBe(ids);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3.25]);
    y.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(ids - 1);
  });

  it('casting float32 to float32 shares; int32 → float32 and float32 → int32 still convert', () => {
    const x = tf.tensor([1.75, -2.5], [2]);
    const ids = tf.engine().backend.numDataIds();
    const same = tf.cast(x, 'float32');
    expect(tf.engine().backend.numDataIds()).toBe(ids);
    const i = tf.cast(x, 'int32');
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([1, -2]);
    const back = tf.cast(tf.tensor([3, -4], [2], 'int32'), 'float32');
    expect(back.dtype).toBe('float32');
    expect(Array.from(back.dataSync())).toEqual([3, -4]);
    tf.dispose([x, same, i, back]);
  });

  it('gradients that save their inputs through clones are unchanged, and a variable’s assign does not touch a clone', () => {
    const v = tf.variable(tf.tensor([0.5, -1, 2], [3]));
    const before = tf.clone(v);
    const g = tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.exp(a), a)))(v));
    // d/da Σ a·eᵃ = eᵃ (1 + a)
    const expected = [0.5, -1, 2].map((a) => Math.exp(a) * (1 + a));
    Array.from(g.dataSync()).forEach((x, k) => expect(x).toBeCloseTo(expected[k]!, 5));
    v.assign(tf.tensor([9, 9, 9], [3]));
    expect(Array.from(before.dataSync())).toEqual([0.5, -1, 2]);
    tf.dispose([v, before, g]);
  });
});
