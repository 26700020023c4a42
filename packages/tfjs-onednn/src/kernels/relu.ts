import * as tf from '@tensorflow/tfjs-core';
import { RELU_GRAD } from '@kd/tfjs-kernels';
import type { OneDnnAddon } from '../load-addon.js';
import { heapOf, offsetOf, type WasmBackendLike } from '../wasm-heap.js';
import { fallback } from './fallback.js';

/**
 * float32 `Relu` in the addon, on oneDNN's OpenMP threads. With the convolutions and batch norms there, it was the one
 * large kernel left on XNNPACK's thread pool (8 % of a resnet20 step), whose workers spin between calls and take the
 * cores from OpenMP's.
 */
export function reluKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: 'Relu',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const n = tf.util.sizeFromShape(x.shape);
      if (x.dtype !== 'float32' || n === 0) return fallback(previous, 'Relu', args);
      const backend = args.backend as WasmBackendLike;
      const y = backend.makeOutput([...x.shape], 'float32');
      addon.relu(heapOf(backend), offsetOf(backend, x), offsetOf(backend, y), n);
      return y;
    },
  };
}

/** `KdReluGrad` (dy · step(x), tfjs-core's bits) in the addon. */
export function reluGradKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: RELU_GRAD,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
      const n = tf.util.sizeFromShape(x.shape);
      if (x.dtype !== 'float32' || dy.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, x.shape) || n === 0)
        return fallback(previous, RELU_GRAD, args);
      const backend = args.backend as WasmBackendLike;
      const dx = backend.makeOutput([...x.shape], 'float32');
      addon.reluGrad(heapOf(backend), offsetOf(backend, dy), offsetOf(backend, x), offsetOf(backend, dx), n);
      return dx;
    },
  };
}
