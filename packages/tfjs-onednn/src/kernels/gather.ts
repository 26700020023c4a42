import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { heapOf, offsetOf, type WasmBackendLike } from '../wasm-heap.js';
import { fallback } from './fallback.js';

/** Gathers of this many values on run in the addon; smaller ones stay on wasm, where a call costs less. */
export const GATHER_FROM = 1 << 16;

/**
 * `GatherV2` along axis 0 without batch dimensions (whole rows of a float32 tensor by int32 index: CRD's scores) in
 * the addon, a row copy per index; other axes, batch dimensions, dtypes and small gathers go to the replaced kernel.
 * Copies, so the values are wasm's bits.
 */
export function gatherKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: 'GatherV2',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
      const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims?: number };
      const rank = x.shape.length;
      const count = tf.util.sizeFromShape(indices.shape);
      const inner = tf.util.sizeFromShape(x.shape.slice(1));
      if (
        rank >= 1 &&
        (axis === 0 || axis === -rank) &&
        !batchDims &&
        x.dtype === 'float32' &&
        indices.dtype === 'int32' &&
        count > 0 &&
        inner > 0 &&
        count * inner >= GATHER_FROM
      ) {
        const backend = args.backend as WasmBackendLike;
        const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
        try {
          addon.gather(
            heapOf(backend),
            offsetOf(backend, x),
            offsetOf(backend, indices),
            offsetOf(backend, out),
            count,
            inner,
            x.shape[0]!,
          );
        } catch (e) {
          (backend as unknown as tf.KernelBackend).disposeData(out.dataId);
          throw e;
        }
        return out;
      }
      return fallback(previous, 'GatherV2', args);
    },
  };
}
