import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { rng } from '../../test/cases.js';
import { addonAvailable, useWasm } from '../../test/setup.js';
import { loadOneDnnAddon, type OneDnnAddon } from '../load-addon.js';
import type { WasmBackendLike } from '../wasm-heap.js';
import { batchMatMulKernel, MAT_MUL_FROM } from './batch-mat-mul.js';

const available = addonAvailable();

/** op(a)·op(b) in float64 from the float32 values, for each batch: row-major, transposed operands stored transposed. */
function reference(
  a: Float32Array,
  b: Float32Array,
  batch: number,
  m: number,
  n: number,
  k: number,
  ta: boolean,
  tb: boolean,
): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[p * m * k + (ta ? q * m + i : i * k + q)]! * b[p * k * n + (tb ? j * k + q : q * n + j)]!;
        out[(p * m + i) * n + j] = s;
      }
  return out;
}

/** The largest |x − y| over the reference's largest |y|: products' rounding scales with their size. */
function relative(got: ArrayLike<number>, want: Float64Array): number {
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return Array.from(got).reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0) / scale;
}

describe.skipIf(!available)('BatchMatMul on oneDNN’s sgemm', () => {
  beforeAll(() => useWasm(true));
  const next = rng(0x3a7);
  const values = (size: number) => Float32Array.from({ length: size }, () => next() * 2 - 1);

  it.each([
    // CRD's scores against a bank and their gradient (rank 2), a batched product, and each transposition
    [1, 64, 700, 128, false, true, 2],
    [1, 64, 128, 700, false, false, 2],
    [3, 40, 300, 120, false, false, 3],
    [2, 100, 120, 200, true, false, 3],
    [2, 100, 120, 200, true, true, 3],
  ] as const)('batch %i, %i × %i from k = %i (transposed a: %s, b: %s) agrees with float64 to 1e-6', (batch, m, n, k, ta, tb, rank) => {
    expect(batch * m * n * k).toBeGreaterThanOrEqual(MAT_MUL_FROM);
    const a = values(batch * m * k);
    const b = values(batch * k * n);
    const shape = (rows: number, cols: number) => (rank === 2 ? [rows, cols] : [batch, rows, cols]);
    const got = tf.tidy(() => {
      const x = tf.tensor(a, ta ? shape(k, m) : shape(m, k));
      const y = tf.tensor(b, tb ? shape(n, k) : shape(k, n));
      const z = tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb);
      expect(z.shape).toEqual(shape(m, n));
      return z.dataSync();
    });
    expect(relative(got, reference(a, b, batch, m, n, k, ta, tb))).toBeLessThan(1e-6);
  });

  it('takes the gradients of a large product (both operands), as the scores’ backward pass does', () => {
    const [m, n, k] = [64, 700, 128];
    const a = values(m * k);
    const b = values(n * k);
    const w = values(m * n);
    const before = tf.memory().numTensors;
    const [ga, gb] = tf.tidy(() => {
      const f = (x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, false, true), tf.tensor(w, [m, n])));
      return tf
        .grads(f)([tf.tensor(a, [m, k]), tf.tensor(b, [n, k])])
        .map((g) => g.dataSync());
    });
    expect(tf.memory().numTensors).toBe(before);
    // d/da = W·b ([m, n]·[n, k]); d/db = Wᵀ·a ([n, m]·[m, k])
    expect(relative(ga!, reference(Float32Array.from(w), b, 1, m, k, n, false, false))).toBeLessThan(1e-6);
    expect(relative(gb!, reference(Float32Array.from(w), a, 1, n, k, m, true, false))).toBeLessThan(1e-6);
  });

  it('sends products from MAT_MUL_FROM multiply-adds on to the addon, and smaller ones and broadcast batches back', () => {
    const real = loadOneDnnAddon().addon!;
    const calls: string[] = [];
    const addon = { matMul: (...args: Parameters<OneDnnAddon['matMul']>) => (calls.push(`addon m ${args[5]}`), real.matMul(...args)) };
    const previous = {
      kernelName: 'BatchMatMul',
      backendName: 'wasm',
      kernelFunc: () => (calls.push('wasm'), (tf.backend() as unknown as WasmBackendLike).makeOutput([1], 'float32')),
    };
    const kernel = batchMatMulKernel(addon as unknown as OneDnnAddon, previous as unknown as tf.KernelConfig);
    const call = (a: tf.Tensor, b: tf.Tensor) => {
      const out = kernel.kernelFunc({
        inputs: { a, b },
        attrs: { transposeA: false, transposeB: false },
        backend: tf.backend(),
      }) as tf.TensorInfo;
      tf.backend().disposeData(out.dataId);
    };
    tf.tidy(() => {
      call(tf.zeros([64, 256]), tf.zeros([256, 256])); // 4 194 304 = MAT_MUL_FROM
      call(tf.zeros([64, 256]), tf.zeros([256, 255]));
      call(tf.zeros([2, 64, 256]), tf.zeros([1, 256, 256]));
    });
    expect(MAT_MUL_FROM).toBe(64 * 256 * 256);
    expect(calls).toEqual(['addon m 64', 'wasm', 'wasm']);
  });

  it('leaves small products and broadcast batches to wasm’s kernel, with right results', () => {
    const [m, n, k] = [5, 7, 3];
    const a = values(2 * m * k);
    const b = values(k * n);
    const got = tf.tidy(() => tf.matMul(tf.tensor3d(a, [2, m, k]), tf.tensor3d(b, [1, k, n])).dataSync());
    const want = reference(a, Float32Array.from([...b, ...b]), 2, m, n, k, false, false);
    expect(relative(got, want)).toBeLessThan(1e-6);
  });
});
