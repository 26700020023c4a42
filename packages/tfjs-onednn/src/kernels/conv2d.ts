import type * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { geometryOf } from '../wasm-heap.js';
import { conv2dInfo, nativeOrFallback, type Refusals } from './fallback.js';

/** `Conv2D` (forward) on oneDNN; NCHW, negative padding and geometries oneDNN refuses go to the replaced kernel. */
export function conv2dKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals): tf.KernelConfig {
  return {
    kernelName: 'Conv2D',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.Conv2DAttrs;
      const info = conv2dInfo(x.shape, filter.shape, attrs, attrs.dilations);
      const g = geometryOf(info);
      const key = g && x.dtype === 'float32' ? `fwd:${g.join(',')}` : undefined;
      return nativeOrFallback({ name: 'Conv2D', key, refused, previous, args }, info.outShape, (heap, y, at) =>
        addon.forward(heap, g!, at(x), at(filter), -1, y, 0),
      );
    },
  };
}
