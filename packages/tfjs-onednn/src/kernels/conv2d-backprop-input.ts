import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { geometryOf, offsetOf, tryNative, type WasmBackendLike } from '../wasm-heap.js';
import { fallback, type Refusals } from './fallback.js';

/** `Conv2DBackpropInput` (the input gradient) on oneDNN's backward-data convolution: no zero-upsampling of `dy`. */
export function conv2dBackpropInputKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals): tf.KernelConfig {
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
      const backend = args.backend as WasmBackendLike;
      const info = tf.backend_util.computeConv2DInfo(
        inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false,
        tf.backend_util.convertConv2DDataFormat(dataFormat),
      );
      const g = geometryOf(info);
      const key = g && `bwd_d:${g.join(',')}`;
      if (g && dy.dtype === 'float32' && !refused.has(key!)) {
        const out = tryNative(backend, [...inputShape], (heap, dx) =>
          addon.backwardData(heap, g, offsetOf(backend, dy), offsetOf(backend, filter), dx),
        );
        if (out) return out;
        refused.add(key!);
      }
      return fallback(previous, 'Conv2DBackpropInput', args);
    },
  };
}
