import type * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { geometryOf } from '../wasm-heap.js';
import { conv2dInfo, nativeOrFallback, type Refusals } from './fallback.js';

/** `Conv2DBackpropInput` (the input gradient) on oneDNN's backward-data convolution: no zero-upsampling of `dy`. */
export function conv2dBackpropInputKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals): tf.KernelConfig {
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
      const g = geometryOf(conv2dInfo(attrs.inputShape, filter.shape, attrs));
      const key = g && dy.dtype === 'float32' ? `bwd_d:${g.join(',')}` : undefined;
      return nativeOrFallback({ name: 'Conv2DBackpropInput', key, refused, previous, args }, [...attrs.inputShape], (heap, dx, at) =>
        addon.backwardData(heap, g!, at(dy), at(filter), dx),
      );
    },
  };
}
