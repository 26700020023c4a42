import type * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { geometryOf } from '../wasm-heap.js';
import { conv2dInfo, nativeOrFallback, type Refusals } from './fallback.js';

/**
 * A forward convolution on oneDNN: `Conv2D`, or `DepthwiseConv2dNative` as a convolution with one group per input
 * channel. NCHW, negative padding and geometries oneDNN refuses go to the replaced kernel.
 */
function forwardKernel(kernelName: 'Conv2D' | 'DepthwiseConv2dNative', depthwise: boolean) {
  return (addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals): tf.KernelConfig => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.Conv2DAttrs;
      const info = conv2dInfo(x.shape, filter.shape, attrs, attrs.dilations, depthwise);
      const g = geometryOf(info, depthwise);
      const key = g && x.dtype === 'float32' ? `fwd:${g.join(',')}` : undefined;
      return nativeOrFallback({ name: kernelName, key, refused, previous, args }, info.outShape, (heap, y, at) =>
        addon.forward(heap, g!, at(x), at(filter), -1, y, 0),
      );
    },
  });
}

export const conv2dKernel = forwardKernel('Conv2D', false);
export const depthwiseConv2dKernel = forwardKernel('DepthwiseConv2dNative', true);
