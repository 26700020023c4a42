import type * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { geometryOf } from '../wasm-heap.js';
import { conv2dInfo, nativeOrFallback, type Refusals } from './fallback.js';

/** Activations oneDNN applies as a post-op, by the addon's code. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2 };

/**
 * `FusedConv2D` / `FusedDepthwiseConv2D` (convolution + bias + activation, what tfjs-layers' conv layers with a bias
 * run) on oneDNN, bias and activation fused into the convolution. Other activations (prelu, leakyrelu, elu, sigmoid), a bias that is not one
 * value per output channel, and what `Conv2D` leaves to the replaced kernel go to the replaced kernel.
 */
function fusedKernel(kernelName: 'FusedConv2D' | 'FusedDepthwiseConv2D', depthwise: boolean) {
  return (addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals): tf.KernelConfig => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
      const info = conv2dInfo(x!.shape, filter!.shape, attrs, attrs.dilations, depthwise);
      const g = geometryOf(info, depthwise);
      const act = ACTIVATIONS[attrs.activation ?? 'linear'];
      const biasOk = bias === undefined || (bias.dtype === 'float32' && bias.shape.length <= 1 && bias.shape[0] === info.outChannels);
      const ok = g && act !== undefined && biasOk && preluActivationWeights === undefined && x!.dtype === 'float32';
      const key = ok ? `fwd:${g.join(',')}:${bias ? 'b' : '-'}${act}` : undefined;
      return nativeOrFallback({ name: kernelName, key, refused, previous, args }, info.outShape, (heap, y, at) =>
        addon.forward(heap, g!, at(x!), at(filter!), bias ? at(bias) : -1, y, act!),
      );
    },
  });
}

export const fusedConv2dKernel = fusedKernel('FusedConv2D', false);
export const fusedDepthwiseConv2dKernel = fusedKernel('FusedDepthwiseConv2D', true);
