import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { geometryOf, offsetOf, tryNative, type WasmBackendLike } from '../wasm-heap.js';
import { fallback, type Refusals } from './fallback.js';

/** `Conv2DBackpropFilter` (the filter gradient) on oneDNN's backward-weights convolution, written back as HWIO. */
export function conv2dBackpropFilterKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals): tf.KernelConfig {
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const backend = args.backend as WasmBackendLike;
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false,
        tf.backend_util.convertConv2DDataFormat(dataFormat),
      );
      const g = geometryOf(info);
      const key = g && `bwd_w:${g.join(',')}`;
      if (g && x.dtype === 'float32' && !refused.has(key!)) {
        const out = tryNative(backend, [...filterShape], (heap, dw) =>
          addon.backwardWeights(heap, g, offsetOf(backend, x), offsetOf(backend, dy), dw),
        );
        if (out) return out;
        refused.add(key!);
      }
      return fallback(previous, 'Conv2DBackpropFilter', args);
    },
  };
}
