import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { heapOf, offsetOf, type WasmBackendLike } from '../wasm-heap.js';
import { fallback } from './fallback.js';

/**
 * Products from this many multiply-adds on run in the addon: a dense layer's [64, 256] · [256, 100] stays on wasm,
 * where a call costs less, while CRD's scores against a 60 000-row memory bank ([64, 128] · [128, 60 000], and their
 * gradient) ran at ~4.6 GFLOP/s there, ~100–180 ms each on one thread.
 */
export const MAT_MUL_FROM = 1 << 22;

/** [batch, rows, cols] of a rank-2 or rank-3 operand; undefined for other ranks (tfjs also broadcasts batches). */
function batched(shape: readonly number[]): [number, number, number] | undefined {
  if (shape.length === 2) return [1, shape[0]!, shape[1]!];
  if (shape.length === 3) return [shape[0]!, shape[1]!, shape[2]!];
  return undefined;
}

/**
 * `BatchMatMul` of float32 operands with one batch size (or none), transposed or not, on oneDNN's sgemm; everything
 * else — smaller products, other dtypes, broadcast batches, higher ranks — goes to the replaced kernel. Deterministic
 * for a fixed thread count; the sums' order differs from wasm's, so results may differ from it in the last bits.
 */
export function batchMatMulKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const sa = batched(a.shape);
      const sb = batched(b.shape);
      if (a.dtype === 'float32' && b.dtype === 'float32' && sa && sb && sa[0] === sb[0]) {
        const [batch, ra, ca] = sa;
        const [, rb, cb] = sb;
        const [m, k] = transposeA ? [ca, ra] : [ra, ca];
        const [kb, n] = transposeB ? [cb, rb] : [rb, cb];
        if (k === kb && batch * m * n * k >= MAT_MUL_FROM) {
          const backend = args.backend as WasmBackendLike;
          const outShape = a.shape.length === 2 && b.shape.length === 2 ? [m, n] : [batch, m, n];
          const out = backend.makeOutput(outShape, 'float32');
          addon.matMul(
            heapOf(backend),
            offsetOf(backend, a),
            offsetOf(backend, b),
            offsetOf(backend, out),
            batch,
            m,
            n,
            k,
            transposeA ? 1 : 0,
            transposeB ? 1 : 0,
          );
          return out;
        }
      }
      return fallback(previous, 'BatchMatMul', args);
    },
  };
}
