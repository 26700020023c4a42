import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { geometryOf, offsetOf, tryNative, type WasmBackendLike } from '../wasm-heap.js';
import { fallback, type Refusals } from './fallback.js';

/** `Conv2D` (forward) on oneDNN; NCHW, negative padding and geometries oneDNN refuses go to the replaced kernel. */
export function conv2dKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals): tf.KernelConfig {
  return {
    kernelName: 'Conv2D',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as tf.Conv2DAttrs;
      const backend = args.backend as WasmBackendLike;
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
        strides, dilations, pad, dimRoundingMode, false, tf.backend_util.convertConv2DDataFormat(dataFormat),
      );
      const g = geometryOf(info);
      const key = g && `fwd:${g.join(',')}`;
      if (g && x.dtype === 'float32' && !refused.has(key!)) {
        const out = tryNative(backend, info.outShape, (heap, y) =>
          addon.forward(heap, g, offsetOf(backend, x), offsetOf(backend, filter), -1, y, 0),
        );
        if (out) return out;
        refused.add(key!);
      }
      return fallback(previous, 'Conv2D', args);
    },
  };
}
