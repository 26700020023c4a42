import type * as tf from '@tensorflow/tfjs-core';

/**
 * A tensor's float32 data on the host, through KernelBackend's `readSync` (a copy on wasm; on cpu the backend's own
 * array — read it, do not write it).
 */
export const readFloats = (backend: tf.KernelBackend, t: tf.TensorInfo): Float32Array => backend.readSync(t.dataId) as Float32Array;

/** A new float32 output holding `values`, through KernelBackend's `write` (which every backend implements). */
export function writeFloats(backend: tf.KernelBackend, shape: readonly number[], values: Float32Array): tf.TensorInfo {
  return { dataId: backend.write(values, [...shape], 'float32'), shape: [...shape], dtype: 'float32' };
}
