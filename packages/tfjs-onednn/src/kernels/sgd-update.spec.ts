import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { sgdUpdate } from '@kd/tfjs-kernels';
import { rng } from '../../test/cases.js';
import { addonAvailable, useWasm } from '../../test/setup.js';

const available = addonAvailable();

describe.skipIf(!available)('KdSgdUpdate in the addon', () => {
  const next = rng(0x56d);
  const n = 4_000;
  const values = () => Float32Array.from({ length: n }, () => next() * 2 - 1);
  const [v, g, buf] = [values(), values(), values()];
  const run = (a: { lr: number; momentum: number; weightDecay: number; nesterov: boolean; first: boolean }) =>
    tf.tidy(() => {
      const out = sgdUpdate(tf.tensor1d(v), tf.tensor1d(g), a.momentum > 0 ? tf.tensor1d(buf) : undefined, a);
      return [out.variable, ...(out.buffer ? [out.buffer] : [])].map((t) => Array.from(t.dataSync()));
    });

  it.each([
    { lr: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: false, first: false },
    { lr: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: false, first: true },
    { lr: 0.01, momentum: 0.8, weightDecay: 1e-4, nesterov: true, first: false },
    { lr: 0.07, momentum: 0, weightDecay: 0, nesterov: false, first: false },
  ])("gives the bits of @kd/tfjs-kernels' plain loop (itself the op chain's bits): %o", async (a) => {
    await useWasm(false);
    const plain = run(a);
    await useWasm(true);
    const native = run(a);
    expect(native).toHaveLength(a.momentum > 0 ? 2 : 1);
    // Counted rather than deep-compared: a failing deep diff of long arrays takes minutes to print.
    const differing = native.map((out, k) => out.filter((x, i) => !Object.is(x, plain[k]![i])).length);
    expect(differing).toEqual(native.map(() => 0));
    expect(native[0]!.filter((x, i) => x !== v[i]).length).toBeGreaterThan(n / 2); // it moved
  });
});
