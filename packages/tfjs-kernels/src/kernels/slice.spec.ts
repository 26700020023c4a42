import * as tf from '@tensorflow/tfjs-core';
import { rng, useBackend } from '../../test/harness.js';
import { registerTrainingKernels } from '../register.js';

/** Slice from its definition: out[i] = x[begin + i] over every axis. */
function refSlice(x: Float32Array, shape: number[], begin: number[], size: number[]): number[] {
  const strides = tf.util.computeStrides(shape);
  const out: number[] = [];
  const idx = new Array(size.length).fill(0);
  const total = size.reduce((a, b) => a * b, 1);
  for (let n = 0; n < total; n++) {
    let at = 0;
    for (let i = 0; i < shape.length; i++) at += (begin[i]! + idx[i]!) * (i < strides.length ? strides[i]! : 1);
    out.push(x[at]!);
    for (let i = size.length - 1; i >= 0; i--) {
      if (++idx[i]! < size[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

describe('wasm Slice as block copies', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerTrainingKernels('wasm');
  });

  it('equals the definition over random 2-D to 5-D slices, the padding-gradient case included, and allocates only its output', () => {
    const next = rng(0x511ce);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    const cases: Array<[number[], number[], number[]]> = [
      [
        [64, 33, 33, 16],
        [0, 1, 1, 0],
        [64, 32, 32, 16],
      ],
    ];
    while (cases.length < 60) {
      const shape = Array.from({ length: int(2, 5) }, () => int(1, 6));
      const begin = shape.map((d) => int(0, d - 1));
      const size = shape.map((d, i) => int(1, d - begin[i]!));
      cases.push([shape, begin, size]);
    }
    for (const [shape, begin, size] of cases) {
      const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next());
      const t = tf.tensor(x, shape);
      const ids = tf.engine().backend.numDataIds();
      const y = tf.slice(t, begin, size);
      expect(tf.engine().backend.numDataIds()).toBe(ids + 1);
      expect(y.shape).toEqual(size);
      expect(Array.from(y.dataSync())).toEqual(refSlice(x, shape, begin, size));
      tf.dispose([t, y]);
    }
  });

  it('int32 and contiguous slices still go to the stock kernel, with right results', () => {
    const t = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    expect(Array.from(tf.slice(t, [0, 1], [2, 2]).dataSync())).toEqual([2, 3, 5, 6]);
    const f = tf.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(Array.from(tf.slice(f, [1, 0], [2, 2]).dataSync())).toEqual([3, 4, 5, 6]);
  });
});
