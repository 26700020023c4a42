import * as tf from '@tensorflow/tfjs-core';
import { randomValues, relativeError, rng, useBackend } from '../../test/harness.js';
import { registerTrainingKernels, unregisterTrainingKernels } from '../register.js';
import { MAX_POOLED_COLUMNS, leadingAxesPlan } from './leading-axes-reduction.js';

/** float64 sum (or mean) over `axes` of a row-major tensor, by explicit index arithmetic. */
function reference(x: Float32Array, shape: number[], axes: number[], mean: boolean): Float64Array {
  const keep = shape.map((_, i) => !axes.includes(i));
  const outShape = shape.filter((_, i) => keep[i]);
  const out = new Float64Array(
    Math.max(
      1,
      outShape.reduce((a, b) => a * b, 1),
    ),
  );
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < x.length; flat++) {
    let rem = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    let o = 0;
    for (let d = 0; d < shape.length; d++) if (keep[d]) o = o * shape[d]! + idx[d]!;
    out[o] = out[o]! + x[flat]!;
  }
  if (mean) {
    const n = axes.reduce((a, d) => a * shape[d]!, 1);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! / n;
  }
  return out;
}

const CASES: { shape: number[]; axes: number[]; keepDims: boolean }[] = [
  { shape: [8, 6, 5, 7], axes: [0, 1, 2], keepDims: false }, // batch-norm statistics of an NHWC activation
  { shape: [8, 6, 5, 7], axes: [2, 0, 1], keepDims: true }, // any order, kept dims
  { shape: [64, 3], axes: [0], keepDims: false }, // dense activations
  { shape: [4, 9, 2, 3], axes: [0, 1], keepDims: false }, // several trailing axes stay
  { shape: [8, 6, 5, 7], axes: [1, 2], keepDims: false }, // not leading: the stock kernel
  { shape: [8, 6, 5, 7], axes: [3], keepDims: true }, // innermost: the stock kernel
  { shape: [3, 4, 5], axes: [0], keepDims: false }, // too few rows: the stock kernel
  { shape: [64, 64, 256], axes: [0], keepDims: true }, // 16,384 columns: past XNNPACK's pooling limit, the stock kernel
];

describe('Sum and Mean over leading axes on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerTrainingKernels('wasm');
  });
  afterAll(() => unregisterTrainingKernels('wasm'));

  it('takes only float32 reductions of the leading axes with enough rows', () => {
    const info = (shape: number[], dtype: tf.DataType = 'float32') => ({ shape, dtype, dataId: {} }) as tf.TensorInfo;
    expect(leadingAxesPlan(info([8, 6, 5, 7]), [0, 1, 2])).toEqual([240, 7]);
    expect(leadingAxesPlan(info([8, 6, 5, 7]), [-4, -3])).toEqual([48, 35]);
    expect(leadingAxesPlan(info([8, 6, 5, 7]), [1, 2])).toBeUndefined();
    expect(leadingAxesPlan(info([8, 6, 5, 7]), [0, 1, 2, 3])).toBeUndefined();
    expect(leadingAxesPlan(info([8, 6, 5, 7], 'int32'), [0, 1, 2])).toBeUndefined();
    expect(leadingAxesPlan(info([3, 4, 5]), [0])).toBeUndefined();
    expect(leadingAxesPlan(info([64, MAX_POOLED_COLUMNS]), [0])).toEqual([64, MAX_POOLED_COLUMNS]);
    expect(leadingAxesPlan(info([64, 64, 256]), [0])).toBeUndefined();
  });

  it.each(CASES)('sum and mean of $shape over $axes (keepDims $keepDims) match float64', ({ shape, axes, keepDims }) => {
    const x = randomValues(rng(shape.length * 97 + axes.length), shape);
    for (const mean of [false, true]) {
      const got = tf.tidy(() => {
        const t = tf.tensor(x, shape);
        const r = mean ? tf.mean(t, axes, keepDims) : tf.sum(t, axes, keepDims);
        const expectedShape = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
        expect(r.shape).toEqual(expectedShape);
        return r.dataSync() as Float32Array;
      });
      expect(relativeError(got, reference(x, shape, axes, mean))).toBeLessThan(1e-5);
    }
  });

  it('leaves one data id per result and none behind', () => {
    const x = tf.randomNormal([16, 8, 8, 4]);
    const ids = tf.engine().backend.numDataIds();
    const tensors = tf.memory().numTensors;
    tf.tidy(() => {
      tf.sum(x, [0, 1, 2]);
      tf.mean(x, [0, 1, 2], true);
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(ids);
    x.dispose();
  });
});
