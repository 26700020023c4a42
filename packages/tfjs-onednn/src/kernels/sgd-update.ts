import * as tf from '@tensorflow/tfjs-core';
import { SGD_UPDATE, type SgdUpdateAttrs } from '@kd/tfjs-kernels';
import type { OneDnnAddon } from '../load-addon.js';
import { heapOf, optionalOffsetOf, type WasmBackendLike } from '../wasm-heap.js';
import { fallback } from './fallback.js';

/** `KdSgdUpdate` (a parameter's whole SGD update) in the addon: one pass instead of five kernels. */
export function sgdUpdateKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: SGD_UPDATE,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { variable, gradient, buffer } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const a = args.attrs as unknown as SgdUpdateAttrs;
      const v = variable!;
      const n = tf.util.sizeFromShape(v.shape);
      const like = (t: tf.TensorInfo | undefined) => t !== undefined && t.dtype === 'float32' && tf.util.arraysEqual(t.shape, v.shape);
      if (
        v.dtype !== 'float32' ||
        n === 0 ||
        !like(gradient) ||
        a.momentum > 0 !== (buffer !== undefined) ||
        (buffer !== undefined && !like(buffer))
      )
        return fallback(previous, SGD_UPDATE, args);
      const backend = args.backend as WasmBackendLike;
      const vOut = backend.makeOutput([...v.shape], 'float32');
      const bufOut = buffer === undefined ? undefined : backend.makeOutput([...v.shape], 'float32');
      const at = (t: tf.TensorInfo | undefined) => optionalOffsetOf(backend, t);
      addon.sgdUpdate(
        heapOf(backend),
        at(v),
        at(gradient),
        at(buffer),
        a.lr,
        a.momentum,
        a.weightDecay,
        a.nesterov ? 1 : 0,
        a.first ? 1 : 0,
        at(vOut),
        at(bufOut),
        n,
      );
      return bufOut === undefined ? [vOut] : [vOut, bufOut];
    },
  };
}
