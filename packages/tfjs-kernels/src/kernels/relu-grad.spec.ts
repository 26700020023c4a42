import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { BACKENDS, useBackend } from '../../test/harness.js';
import { registerTrainingKernels, unregisterTrainingKernels } from '../register.js';

const X = [-2, -0, 0, 1e-30, 3, Number.NaN, -1e-30, 5, -7, 0.5];
const DY = [1, -2, -3, 4, -5, 6, -7, 8, 9, -10];
// Hand-derived: dy where x > 0, 0 with dy's sign where x ≤ 0 (tfjs's dy·0), NaN where x is NaN.
const WANT = [0, -0, -0, 4, -5, Number.NaN, -0, 8, 0, -10];

describe.each(BACKENDS)('Relu gradient as one kernel (KdReluGrad) on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  afterAll(() => unregisterTrainingKernels(backend));

  const grad = () =>
    tf.tidy(() =>
      Array.from(
        tf
          .grad((x: tf.Tensor) => tf.relu(x))(tf.tensor1d(X), tf.tensor1d(DY))
          .dataSync(),
      ),
    );

  it("gives the hand-derived gradient, signs of zero and NaN included, and tfjs-core's bits", async () => {
    const stock = grad(); // not registered yet: tfjs-core's Step + Multiply
    registerTrainingKernels(backend);
    const ours = grad();
    ours.forEach((v, i) => expect(Object.is(v, WANT[i]), `element ${i}: ${v}`).toBe(true));
    stock.forEach((v, i) => expect(Object.is(v, ours[i]), `element ${i}: stock ${v}, ours ${ours[i]}`).toBe(true));
    const info = await tf.profile(() => tf.grad((x: tf.Tensor) => tf.relu(x))(tf.tensor1d(X), tf.tensor1d(DY)));
    expect(info.kernels.map((k) => k.name)).toContain('KdReluGrad');
    expect(info.kernels.map((k) => k.name)).not.toContain('Step');
  });
});
