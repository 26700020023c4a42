import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from '@kd/tfjs-kernels';
import type { OneDnnAddon } from '../load-addon.js';
import { heapOf, optionalOffsetOf, type WasmBackendLike } from '../wasm-heap.js';
import { fallback } from './fallback.js';

const isVector = (t: tf.TensorInfo | undefined, channels: number) =>
  t === undefined || (t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === channels);

/**
 * `KdBatchNormTraining` (a whole training-mode batch norm: statistics and normalisation) in the addon: two passes
 * over the activation, where tfjs-layers' composite makes about ten. Other dtypes go to the replaced kernel.
 */
export function batchNormTrainingKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: BATCH_NORM_TRAINING,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, scale, offset } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const { epsilon } = args.attrs as unknown as { epsilon: number };
      const channels = x!.shape[x!.shape.length - 1] ?? 0;
      const total = tf.util.sizeFromShape(x!.shape);
      if (x!.dtype !== 'float32' || channels === 0 || total === 0 || !isVector(scale, channels) || !isVector(offset, channels))
        return fallback(previous, BATCH_NORM_TRAINING, args);
      const backend = args.backend as WasmBackendLike;
      const y = backend.makeOutput([...x!.shape], 'float32');
      const mean = backend.makeOutput([channels], 'float32');
      const variance = backend.makeOutput([channels], 'float32');
      const at = (t: tf.TensorInfo | undefined) => optionalOffsetOf(backend, t);
      addon.batchNormTraining(heapOf(backend), at(x), at(scale), at(offset), epsilon, at(y), at(mean), at(variance), total, channels);
      return [y, mean, variance];
    },
  };
}

/** `KdBatchNormTrainingGrad` (the whole gradient of the above: dx, dScale, dOffset) in the addon, two passes. */
export function batchNormTrainingGradKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: BATCH_NORM_TRAINING_GRAD,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { dy, x, scale, mean, variance, dMean, dVariance } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const { epsilon } = args.attrs as unknown as { epsilon: number };
      const channels = x!.shape[x!.shape.length - 1] ?? 0;
      const total = tf.util.sizeFromShape(x!.shape);
      const sameShape = dy !== undefined && dy.dtype === 'float32' && tf.util.arraysEqual(dy.shape, x!.shape);
      if (
        x!.dtype !== 'float32' ||
        channels === 0 ||
        total === 0 ||
        !sameShape ||
        mean === undefined ||
        variance === undefined ||
        ![scale, mean, variance, dMean, dVariance].every((t) => isVector(t, channels))
      )
        return fallback(previous, BATCH_NORM_TRAINING_GRAD, args);
      const backend = args.backend as WasmBackendLike;
      const dx = backend.makeOutput([...x!.shape], 'float32');
      const dScale = backend.makeOutput([channels], 'float32');
      const dOffset = backend.makeOutput([channels], 'float32');
      const at = (t: tf.TensorInfo | undefined) => optionalOffsetOf(backend, t);
      addon.batchNormTrainingGrad(
        heapOf(backend),
        at(dy),
        at(x),
        at(scale),
        at(mean),
        at(variance),
        at(dMean),
        at(dVariance),
        epsilon,
        at(dx),
        at(dScale),
        at(dOffset),
        total,
        channels,
      );
      return [dx, dScale, dOffset];
    },
  };
}
