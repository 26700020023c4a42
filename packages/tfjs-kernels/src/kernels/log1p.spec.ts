import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { useBackend } from '../../test/harness.js';
import { registerTrainingKernels, unregisterTrainingKernels } from '../register.js';

// Where float32's 1 + x drops most of x's digits, and a few ordinary values. The reference is the double-precision
// log1p of the float32 input, rounded once: the correctly rounded float32 result.
const X = Float32Array.from([-2.5e-4, -1e-5, 3e-7, 1e-9, 7.3e-4, -0.3, 0.5, 2, 1e3, 0, -0]);
const WANT = Array.from(X, (x) => Math.fround(Math.log1p(x)));
/** Units in the last place of float32 between a and b. */
const ulps = (a: number, b: number) => Math.abs(a - b) / (Math.abs(b) * 2 ** -23 || 2 ** -149);

describe('Log1p on wasm, correctly rounded', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(() => unregisterTrainingKernels('wasm'));

  it('equals the correctly rounded log1p where the stock kernel is hundreds of ulp off', () => {
    const stock = Array.from(tf.tidy(() => tf.log1p(tf.tensor1d(X)).dataSync()));
    // The defect this kernel exists for: stock wasm computes log(1 + x) in float32.
    expect(Math.max(...stock.map((v, i) => ulps(v, WANT[i]!)))).toBeGreaterThan(100);
    registerTrainingKernels('wasm');
    const ours = Array.from(tf.tidy(() => tf.log1p(tf.tensor1d(X)).dataSync()));
    ours.forEach((v, i) => expect(Object.is(v, WANT[i]), `log1p(${X[i]}): ${v}, want ${WANT[i]}`).toBe(true));
  });

  it("keeps tfjs-core's gradient, 1 / (1 + x), and leaks no tensor", () => {
    registerTrainingKernels('wasm');
    const before = tf.memory().numTensors;
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad((x: tf.Tensor) => tf.log1p(x))(tf.tensor1d([0.5, -0.25, 3]))
          .dataSync(),
      ),
    );
    expect(g.map((v) => Number(v.toFixed(6)))).toEqual([0.666667, 1.333333, 0.25]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
