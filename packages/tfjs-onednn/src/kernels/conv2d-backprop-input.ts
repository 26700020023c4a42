import type * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { geometryOf } from '../wasm-heap.js';
import { conv2dInfo, nativeOrFallback, type Refusals } from './fallback.js';

/** An input gradient on oneDNN's backward-data convolution (no zero-upsampling of `dy`), plain or depthwise. */
function backpropInputKernel(kernelName: 'Conv2DBackpropInput' | 'DepthwiseConv2dNativeBackpropInput', depthwise: boolean) {
  return (addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals): tf.KernelConfig => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs & { dilations?: number | [number, number] | null };
      const g = geometryOf(conv2dInfo(attrs.inputShape, filter.shape, attrs, attrs.dilations, depthwise), depthwise);
      const key = g && dy.dtype === 'float32' ? `bwd_d:${g.join(',')}` : undefined;
      return nativeOrFallback({ name: kernelName, key, refused, previous, args }, [...attrs.inputShape], (heap, dx, at) =>
        addon.backwardData(heap, g!, at(dy), at(filter), dx),
      );
    },
  });
}

export const conv2dBackpropInputKernel = backpropInputKernel('Conv2DBackpropInput', false);
export const depthwiseConv2dBackpropInputKernel = backpropInputKernel('DepthwiseConv2dNativeBackpropInput', true);
