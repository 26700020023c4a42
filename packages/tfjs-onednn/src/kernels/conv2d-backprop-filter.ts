import type * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { geometryOf } from '../wasm-heap.js';
import { conv2dInfo, nativeOrFallback, type Refusals } from './fallback.js';

/** A filter gradient on oneDNN's backward-weights convolution, written back in tfjs's layout; plain or depthwise. */
function backpropFilterKernel(kernelName: 'Conv2DBackpropFilter' | 'DepthwiseConv2dNativeBackpropFilter', depthwise: boolean) {
  return (addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals): tf.KernelConfig => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] | null };
      const g = geometryOf(conv2dInfo(x.shape, attrs.filterShape, attrs, attrs.dilations, depthwise), depthwise);
      const key = g && x.dtype === 'float32' ? `bwd_w:${g.join(',')}` : undefined;
      return nativeOrFallback({ name: kernelName, key, refused, previous, args }, [...attrs.filterShape], (heap, dw, at) =>
        addon.backwardWeights(heap, g!, at(x), at(dy), dw),
      );
    },
  });
}

export const conv2dBackpropFilterKernel = backpropFilterKernel('Conv2DBackpropFilter', false);
export const depthwiseConv2dBackpropFilterKernel = backpropFilterKernel('DepthwiseConv2dNativeBackpropFilter', true);
