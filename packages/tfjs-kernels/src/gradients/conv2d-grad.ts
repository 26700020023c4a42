import * as tf from '@tensorflow/tfjs-core';
import { pair } from '../kernels/conv-geometry.js';
import { backpropGrads } from './backprop-grads.js';

/**
 * Gradient of `Conv2D`. For dilation 1 it is exactly tfjs-core's: `Conv2DBackpropInput` and
 * `Conv2DBackpropFilter`, which {@link registerTrainingKernels} provides on wasm and cpu as composites of
 * fast forward kernels. It adds dilation > 1, which tfjs-core's gradient rejects: the dilated filter is
 * replaced by its zero-spread equivalent, the two backprop kernels run on that, and the filter gradient
 * keeps every d-th tap.
 */
export const conv2dGradConfig: tf.GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
    const d = pair(dilations);
    const common = { strides, pad, dataFormat, dimRoundingMode };
    return backpropGrads({ input: 'Conv2DBackpropInput', filter: 'Conv2DBackpropFilter' }, x, filter, dy as tf.Tensor4D, d, common);
  },
};
