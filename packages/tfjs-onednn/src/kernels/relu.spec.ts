import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { rng } from '../../test/cases.js';
import { addonAvailable, useWasm } from '../../test/setup.js';

const available = addonAvailable();

describe.skipIf(!available)('Relu and its gradient in the addon', () => {
  const next = rng(0x7e1);
  const n = 50_000; // above the size where the addon uses several threads
  const x = Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? (i % 2 ? -0 : 0) : i % 101 === 0 ? Number.NaN : next() * 2 - 1));
  const dy = Float32Array.from({ length: n }, () => next() * 2 - 1);
  const run = () =>
    tf.tidy(() => {
      const xt = tf.tensor1d(x);
      const y = Array.from(tf.relu(xt).dataSync());
      const dx = Array.from(
        tf
          .grad((t: tf.Tensor) => tf.relu(t))(xt, tf.tensor1d(dy))
          .dataSync(),
      );
      return { y, dx };
    });

  it("gives the bits of wasm's Relu and of @kd/tfjs-kernels' plain-loop gradient (itself tfjs-core's), NaN and −0 included", async () => {
    await useWasm(false);
    const plain = run();
    await useWasm(true);
    const native = run();
    const differing = (p: number[], q: number[]) => p.filter((v, i) => !Object.is(v, q[i])).length;
    expect(differing(native.y, plain.y)).toBe(0);
    expect(differing(native.dx, plain.dx)).toBe(0);
    expect(native.y.filter((v) => Number.isNaN(v)).length).toBeGreaterThan(100); // NaN passes through
    expect(native.y.filter((v) => v === 0).length).toBeGreaterThan(n / 3);
  });
});
