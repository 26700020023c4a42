import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { rng } from '../../test/cases.js';
import { addonAvailable, useWasm } from '../../test/setup.js';
import { loadOneDnnAddon, type OneDnnAddon } from '../load-addon.js';
import type { WasmBackendLike } from '../wasm-heap.js';
import { GATHER_FROM, gatherKernel } from './gather.js';

const available = addonAvailable();

describe.skipIf(!available)('GatherV2 in the addon', () => {
  beforeAll(() => useWasm(true));
  const next = rng(0x9a7);

  it.each([
    ['a vector by a flat index list (CRD’s scores)', [300_000], [70_000]],
    ['rows of a matrix by a [B, K] index matrix', [5_000, 16], [64, 80]],
  ] as const)('%s: exactly the indexed values, in the indices’ shape', (_, shape, indexShape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const inner = size / shape[0];
    const x = Float32Array.from({ length: size }, () => next() * 2 - 1);
    const count = indexShape.reduce((a, b) => a * b, 1);
    const idx = Int32Array.from({ length: count }, () => Math.floor(next() * shape[0]));
    expect(count * inner).toBeGreaterThanOrEqual(GATHER_FROM);
    const got = tf.tidy(() => {
      const y = tf.gather(tf.tensor(x, [...shape]), tf.tensor(idx, [...indexShape], 'int32'));
      expect(y.shape).toEqual([...indexShape, ...shape.slice(1)]);
      return y.dataSync();
    });
    const want = new Float32Array(count * inner);
    idx.forEach((j, i) => want.set(x.subarray(j * inner, (j + 1) * inner), i * inner));
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  it('sends large axis-0 gathers to the addon and the rest back; an index out of range is an error naming it', () => {
    const real = loadOneDnnAddon().addon!;
    const calls: string[] = [];
    const addon = { gather: (...args: Parameters<OneDnnAddon['gather']>) => (calls.push(`addon ${args[4]}`), real.gather(...args)) };
    const previous = {
      kernelName: 'GatherV2',
      backendName: 'wasm',
      kernelFunc: () => (calls.push('wasm'), (tf.backend() as unknown as WasmBackendLike).makeOutput([1], 'float32')),
    };
    const kernel = gatherKernel(addon as unknown as OneDnnAddon, previous as unknown as tf.KernelConfig);
    const call = (x: tf.Tensor, indices: tf.Tensor, axis = 0) => {
      const out = kernel.kernelFunc({ inputs: { x, indices }, attrs: { axis, batchDims: 0 }, backend: tf.backend() }) as tf.TensorInfo;
      tf.backend().disposeData(out.dataId);
    };
    tf.tidy(() => {
      call(tf.zeros([100]), tf.zeros([GATHER_FROM], 'int32'));
      call(tf.zeros([100]), tf.zeros([GATHER_FROM - 1], 'int32'));
      call(tf.zeros([100, 1000]), tf.zeros([100], 'int32'), 1);
      call(tf.zeros([100], 'int32'), tf.zeros([GATHER_FROM], 'int32'));
      const bad = tf.buffer([GATHER_FROM], 'int32');
      bad.set(100, 7);
      expect(() => call(tf.zeros([100]), bad.toTensor())).toThrow(/index 100 \(position 7\) is outside \[0, 100\)/);
    });
    expect(calls).toEqual([`addon ${GATHER_FROM}`, 'wasm', 'wasm', 'wasm', `addon ${GATHER_FROM}`]);
  });
});
