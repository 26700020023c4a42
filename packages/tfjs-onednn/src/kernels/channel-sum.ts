import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { heapOf, offsetOf, type WasmBackendLike } from '../wasm-heap.js';
import { fallback } from './fallback.js';

/**
 * float32 `Sum` and `Mean` over every axis but the last (batch-norm statistics and the gradients of scale and offset)
 * in the addon: one pass over rows of channels, in a fixed number of chunks added in order, so the result does not
 * depend on the thread count. On wasm these ran as XNNPACK average pooling (`@kd/tfjs-kernels`), 17 % of a resnet20
 * step with two threads. Other reductions go to the replaced kernel.
 */
export function channelSumKernel(kernelName: 'Sum' | 'Mean') {
  return (addon: OneDnnAddon, previous: tf.KernelConfig | undefined): tf.KernelConfig => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const rank = x.shape.length;
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
      const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
      const total = tf.util.sizeFromShape(x.shape);
      if (x.dtype !== 'float32' || !leading || total === 0) return fallback(previous, kernelName, args);
      const channels = x.shape[rank - 1]!;
      const backend = args.backend as WasmBackendLike;
      const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels], 'float32');
      addon.channelSum(
        heapOf(backend),
        offsetOf(backend, x),
        offsetOf(backend, out),
        total,
        channels,
        kernelName === 'Mean' ? total / channels : 1,
      );
      return out;
    },
  });
}
