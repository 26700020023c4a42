import * as tf from '@tensorflow/tfjs-core';
import { pair } from '../kernels/conv-geometry.js';
import { backpropGrads } from './backprop-grads.js';

/**
 * Gradient of `DepthwiseConv2dNative`. For dilation 1 it is exactly tfjs-core's: the
 * `DepthwiseConv2dNativeBackpropInput` / `…BackpropFilter` kernels, which {@link registerTrainingKernels}
 * provides on wasm (where they are missing) and cpu (filter: the stock loop is slow). It adds dilation > 1,
 * which tfjs-core's gradient rejects, through the zero-spread equivalent filter, so it does not depend on
 * whether a backprop kernel honours its `dilations` attribute (the stock cpu ones ignore it).
 */
export const depthwiseConv2dGradConfig: tf.GradConfig = {
  kernelName: 'DepthwiseConv2dNative',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeAttrs;
    if (x.rank !== 4 || filter.rank !== 4 || x.shape[3] !== filter.shape[2])
      throw new Error(
        `Error in gradient of depthwiseConv2d: expected x [N, H, W, C] and filter [kh, kw, C, M], ` +
          `got ${JSON.stringify(x.shape)} and ${JSON.stringify(filter.shape)}`,
      );
    const d = pair(dilations);
    const common = { strides, pad, dimRoundingMode, dilations: [1, 1] };
    return backpropGrads(
      { input: 'DepthwiseConv2dNativeBackpropInput', filter: 'DepthwiseConv2dNativeBackpropFilter' },
      x,
      filter,
      dy as tf.Tensor4D,
      d,
      common,
    );
  },
};
