import type * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { geometryOf } from '../wasm-heap.js';
import { conv2dInfo, nativeOrFallback, type Refusals } from './fallback.js';

/** `Conv2DBackpropFilter` (the filter gradient) on oneDNN's backward-weights convolution, written back as HWIO. */
export function conv2dBackpropFilterKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals): tf.KernelConfig {
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const g = geometryOf(conv2dInfo(x.shape, attrs.filterShape, attrs));
      const key = g && x.dtype === 'float32' ? `bwd_w:${g.join(',')}` : undefined;
      return nativeOrFallback({ name: 'Conv2DBackpropFilter', key, refused, previous, args }, [...attrs.filterShape], (heap, dw, at) =>
        addon.backwardWeights(heap, g!, at(x), at(dy), dw),
      );
    },
  };
}
