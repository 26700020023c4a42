import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { heapOf, offsetOf, optionalOffsetOf, type WasmBackendLike } from '../wasm-heap.js';
import { isChannelVector } from './channel-binary.js';
import { fallback } from './fallback.js';

/**
 * `FusedBatchNorm` (normalising with given statistics: what tfjs-layers' BatchNormalization runs in training and
 * inference) in the addon, one multiply-add per element with per-channel factors. wasm's kernel takes ≈ 5 ms for a
 * [64, 32, 32, 16] activation. Statistics that are not per-channel vectors go to the replaced kernel.
 */
export function fusedBatchNormKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: 'FusedBatchNorm',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
      const backend = args.backend as WasmBackendLike;
      const vectors = [mean, variance, offset, scale].filter((t): t is tf.TensorInfo => t !== undefined);
      if (x!.dtype === 'float32' && vectors.every((t) => t.dtype === 'float32' && isChannelVector(t.shape, x!.shape))) {
        const out = backend.makeOutput([...x!.shape], 'float32');
        const total = tf.util.sizeFromShape(x!.shape);
        const at = (t: tf.TensorInfo | undefined) => optionalOffsetOf(backend, t);
        addon.batchNorm(
          heapOf(backend),
          at(x),
          at(mean),
          at(variance),
          at(offset),
          at(scale),
          varianceEpsilon,
          offsetOf(backend, out),
          total,
          x!.shape[x!.shape.length - 1]!,
        );
        return out;
      }
      return fallback(previous, 'FusedBatchNorm', args);
    },
  };
}
