import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../load-addon.js';
import { geometryOf, offsetOf, tryNative, type WasmBackendLike } from '../wasm-heap.js';
import { fallback, type Refusals } from './fallback.js';

/** Activations oneDNN applies as a post-op, by the addon's code. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2 };

/**
 * `FusedConv2D` (convolution + bias + activation, what tfjs-layers' conv layers with a bias run) on oneDNN, bias and
 * activation fused into the convolution. Other activations (prelu, leakyrelu, elu, sigmoid), a bias that is not one
 * value per output channel, and what `Conv2D` leaves to the replaced kernel go to the replaced kernel.
 */
export function fusedConv2dKernel(addon: OneDnnAddon, previous: tf.KernelConfig | undefined, refused: Refusals): tf.KernelConfig {
  return {
    kernelName: 'FusedConv2D',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } = args.attrs as unknown as tf.FusedConv2DAttrs;
      const backend = args.backend as WasmBackendLike;
      const info = tf.backend_util.computeConv2DInfo(
        x!.shape as [number, number, number, number], filter!.shape as [number, number, number, number],
        strides, dilations, pad, dimRoundingMode, false, tf.backend_util.convertConv2DDataFormat(dataFormat),
      );
      const g = geometryOf(info);
      const act = ACTIVATIONS[activation ?? 'linear'];
      const biasOk = bias === undefined || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === info.outChannels && bias.shape.length <= 1);
      const key = g && `fwd:${g.join(',')}:${bias ? 'b' : '-'}${act}`;
      if (g && act !== undefined && biasOk && preluActivationWeights === undefined && x!.dtype === 'float32' && !refused.has(key!)) {
        const out = tryNative(backend, info.outShape, (heap, y) =>
          addon.forward(heap, g, offsetOf(backend, x!), offsetOf(backend, filter!), bias ? offsetOf(backend, bias) : -1, y, act),
        );
        if (out) return out;
        refused.add(key!);
      }
      return fallback(previous, 'FusedConv2D', args);
    },
  };
}
