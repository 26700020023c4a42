import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { rng } from '../../test/cases.js';
import { addonAvailable, useWasm } from '../../test/setup.js';
import { isChannelVector } from './channel-binary.js';

const available = addonAvailable();

describe('isChannelVector', () => {
  it('is [C] or [1, …, 1, C] against a tensor of more than one row', () => {
    expect(isChannelVector([16], [64, 8, 8, 16])).toBe(true);
    expect(isChannelVector([1, 1, 1, 16], [64, 8, 8, 16])).toBe(true);
    expect(isChannelVector([1, 16], [4, 16])).toBe(true);
    expect(isChannelVector([8, 1, 16], [64, 8, 8, 16])).toBe(false);
    expect(isChannelVector([64, 8, 8, 16], [64, 8, 8, 16])).toBe(false);
    expect(isChannelVector([1], [64, 8, 8, 16])).toBe(false);
    expect(isChannelVector([16], [1, 1, 16])).toBe(false);
    expect(isChannelVector([], [4, 16])).toBe(false);
  });
});

describe.skipIf(!available)('per-channel Multiply, Add, Sub and FusedBatchNorm in the addon', () => {
  beforeAll(() => useWasm(true));
  const next = rng(0xc4a);
  const values = (n: number) => Array.from({ length: n }, () => next() * 4 - 2);
  const shape = [3, 5, 7, 6];
  const n = 3 * 5 * 7;
  const x = values(n * 6);
  const c = values(6);

  it.each([
    ['Multiply', (a: number, b: number) => a * b, tf.mul],
    ['Add', (a: number, b: number) => a + b, tf.add],
    ['Sub', (a: number, b: number) => a - b, tf.sub],
  ] as const)('%s, with the vector on either side and as [C] or [1, 1, 1, C]: exact', (_, f, op) => {
    for (const vshape of [[6], [1, 1, 1, 6]]) {
      const [got, gotLeft] = tf.tidy(() => [
        op(tf.tensor(x, shape), tf.tensor(c, vshape)).dataSync(),
        op(tf.tensor(c, vshape), tf.tensor(x, shape)).dataSync(),
      ]);
      // float32 inputs, one float32 operation: the float64 result rounded once is what a correct kernel returns.
      expect(Array.from(got!)).toEqual(x.map((v, i) => Math.fround(f(Math.fround(v), Math.fround(c[i % 6]!)))));
      expect(Array.from(gotLeft!)).toEqual(x.map((v, i) => Math.fround(f(Math.fround(c[i % 6]!), Math.fround(v)))));
    }
  });

  it('leaves same-shape and other broadcasts to the replaced kernel, with right results', () => {
    const y = values(n * 6);
    const got = tf.tidy(() => tf.mul(tf.tensor(x, shape), tf.tensor(y, shape)).dataSync());
    expect(Array.from(got)).toEqual(x.map((v, i) => Math.fround(Math.fround(v) * Math.fround(y[i]!))));
    const rows = values(7 * 6);
    const got2 = tf.tidy(() => tf.add(tf.tensor(x, shape), tf.tensor(rows, [7, 6])).dataSync());
    expect(Array.from(got2)).toEqual(x.map((v, i) => Math.fround(Math.fround(v) + Math.fround(rows[i % 42]!))));
  });

  it('FusedBatchNorm with and without offset and scale agrees with the float64 formula to 1e-6', () => {
    const [mean, variance, offset, scale] = [values(6), values(6).map((v) => v * v + 0.1), values(6), values(6)];
    const f32 = (v: number) => Math.fround(v);
    for (const [withOffset, withScale] of [
      [true, true],
      [false, false],
      [true, false],
    ]) {
      const got = tf.tidy(() =>
        tf
          .batchNorm(
            tf.tensor4d(x, shape as [number, number, number, number]),
            tf.tensor1d(mean),
            tf.tensor1d(variance),
            withOffset ? tf.tensor1d(offset) : undefined,
            withScale ? tf.tensor1d(scale) : undefined,
            1e-3,
          )
          .dataSync(),
      );
      x.forEach((v, i) => {
        const k = i % 6;
        const want =
          ((f32(v) - f32(mean[k]!)) * (withScale ? f32(scale[k]!) : 1)) / Math.sqrt(f32(variance[k]!) + 1e-3) +
          (withOffset ? f32(offset[k]!) : 0);
        expect(Math.abs(got[i]! - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
      });
    }
  });

  it('allocates exactly its output', () => {
    const a = tf.tensor(x, shape);
    const b = tf.tensor(c, [6]);
    const ids = tf.engine().backend.numDataIds();
    const y = tf.mul(a, b);
    expect(tf.engine().backend.numDataIds()).toBe(ids + 1);
    tf.dispose([a, b, y]);
  });
});

describe.skipIf(!available)('same-shape Multiply, Add and Sub of large tensors in the addon', () => {
  const next = rng(0x55e);
  const shape = [8, 16, 16, 24]; // 49,152 elements: in the addon, on several threads
  const n = 8 * 16 * 16 * 24;
  const p = Float32Array.from({ length: n }, () => next() * 4 - 2);
  const q = Float32Array.from({ length: n }, () => next() * 4 - 2);
  const run = () =>
    tf.tidy(() => {
      const [a, b] = [tf.tensor(p, shape), tf.tensor(q, shape)];
      return [tf.mul(a, b), tf.add(a, b), tf.sub(a, b)].map((t) => Array.from(t.dataSync()));
    });

  it("gives IEEE float32 results (wasm's bits): each element one rounded operation", async () => {
    await useWasm(false);
    const stock = run();
    await useWasm(true);
    const ours = run();
    const rounded = [
      (u: number, v: number) => Math.fround(u * v),
      (u: number, v: number) => Math.fround(u + v),
      (u: number, v: number) => Math.fround(u - v),
    ];
    ours.forEach((out, k) => {
      expect(out.filter((v, i) => v !== rounded[k]!(p[i]!, q[i]!)).length).toBe(0);
      expect(out.filter((v, i) => v !== stock[k]![i]).length).toBe(0);
    });
  });
});
