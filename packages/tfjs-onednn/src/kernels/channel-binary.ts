import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { heapOf, offsetOf, type WasmBackendLike } from '../wasm-heap.js';
import { fallback } from './fallback.js';

const OPS = { Multiply: 0, Add: 1, Sub: 2 } as const;
/**
 * Same-shape operands from this many elements on run in the addon too: once @kd/backend-wasm keeps XNNPACK at one
 * thread, wasm's same-shape Add took ~5 ms on a [64, 32, 32, 16] activation against ~0.2 ms here on two threads
 * (residual adds and the tape's gradient sums). Smaller ones stay on wasm, where a call costs less.
 */
const SAME_SHAPE_FROM = 1 << 14;
export type ChannelOp = keyof typeof OPS;

/** Whether `s` is a per-channel vector for a tensor whose last axis has `channels` entries: `[C]` or `[1, …, 1, C]`. */
export function isChannelVector(s: readonly number[], full: readonly number[]): boolean {
  const channels = full[full.length - 1];
  if (channels === undefined || s.length === 0 || s.length > full.length || s[s.length - 1] !== channels) return false;
  return s.slice(0, -1).every((d) => d === 1) && full.slice(0, -1).some((d) => d > 1);
}

/**
 * `Multiply`, `Add` or `Sub` of a tensor and a per-channel vector (batch-norm statistics, scales and their gradients)
 * in the addon: a row of channels at a time instead of wasm's per-element broadcasting loop (5× slower than a
 * same-shape product there); and of two large tensors of one shape. Every other case — small same-shape operands,
 * other broadcasts, int32 — goes to the replaced kernel.
 */
export function channelBinaryKernel(op: ChannelOp) {
  return (addon: OneDnnAddon, previous: tf.KernelConfig | undefined): tf.KernelConfig => ({
    kernelName: op,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const backend = args.backend as WasmBackendLike;
      if (
        a.dtype === 'float32' &&
        b.dtype === 'float32' &&
        tf.util.arraysEqual(a.shape, b.shape) &&
        tf.util.sizeFromShape(a.shape) >= SAME_SHAPE_FROM
      ) {
        const out = backend.makeOutput([...a.shape], 'float32');
        addon.binary(
          heapOf(backend),
          OPS[op],
          offsetOf(backend, a),
          offsetOf(backend, b),
          offsetOf(backend, out),
          tf.util.sizeFromShape(a.shape),
        );
        return out;
      }
      if (a.dtype === 'float32' && b.dtype === 'float32') {
        const left = isChannelVector(a.shape, b.shape);
        if (left || isChannelVector(b.shape, a.shape)) {
          const [full, channel] = left ? [b, a] : [a, b];
          const out = backend.makeOutput([...full.shape], 'float32');
          const total = tf.util.sizeFromShape(full.shape);
          addon.channelBinary(
            heapOf(backend),
            OPS[op],
            offsetOf(backend, full),
            offsetOf(backend, channel),
            offsetOf(backend, out),
            total,
            full.shape[full.shape.length - 1]!,
            left ? 1 : 0,
          );
          return out;
        }
      }
      return fallback(previous, op, args);
    },
  });
}
