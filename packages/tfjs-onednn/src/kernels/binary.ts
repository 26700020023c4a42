import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { heapOf, offsetOf, type WasmBackendLike } from '../wasm-heap.js';
import { fallback } from './fallback.js';

const OPS = { Multiply: 0, Add: 1, Sub: 2, RealDiv: 3 } as const;
export type BinaryOp = keyof typeof OPS;

/** Whether `s` is a per-channel vector for a tensor whose last axis has `channels` entries: `[C]` or `[1, …, 1, C]`. */
export function isChannelVector(s: readonly number[], full: readonly number[]): boolean {
  const channels = full[full.length - 1];
  if (channels === undefined || s.length === 0 || s.length > full.length || s[s.length - 1] !== channels) return false;
  return s.slice(0, -1).every((d) => d === 1) && full.slice(0, -1).some((d) => d > 1);
}

/**
 * float32 `Multiply`, `Add`, `Sub` and `RealDiv` in the addon when both operands have the output's size (same
 * shapes), or one is a single value, or (not for `RealDiv`) one is a per-channel vector (batch-norm statistics, scales
 * and their gradients): vectorised for the installing CPU, instead of wasm's loops (its per-channel broadcast walks
 * every element with index arithmetic, 5× slower than its same-shape product, which itself runs at ≈ 1 ms per million
 * elements). Every other broadcast and dtype goes to the replaced kernel.
 */
export function binaryKernel(op: BinaryOp) {
  return (addon: OneDnnAddon, previous: tf.KernelConfig | undefined): tf.KernelConfig => ({
    kernelName: op,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const backend = args.backend as WasmBackendLike;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(previous, op, args);
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const total = tf.util.sizeFromShape(outShape);
      const [sizeA, sizeB] = [tf.util.sizeFromShape(a.shape), tf.util.sizeFromShape(b.shape)];
      const mode = sizeA === total && sizeB === total ? 0 : sizeA === total && sizeB === 1 ? 1 : sizeB === total && sizeA === 1 ? 2 : -1;
      if (mode >= 0 && total > 0) {
        const out = backend.makeOutput(outShape, 'float32');
        addon.binary(heapOf(backend), OPS[op], offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out), total, mode);
        return out;
      }
      const left = isChannelVector(a.shape, b.shape);
      if (op !== 'RealDiv' && (left || isChannelVector(b.shape, a.shape))) {
        const [full, channel] = left ? [b, a] : [a, b];
        const out = backend.makeOutput([...full.shape], 'float32');
        addon.channelBinary(heapOf(backend), OPS[op], offsetOf(backend, full), offsetOf(backend, channel), offsetOf(backend, out), total, full.shape[full.shape.length - 1]!, left ? 1 : 0);
        return out;
      }
      return fallback(previous, op, args);
    },
  });
}
