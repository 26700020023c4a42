import * as tf from '@tensorflow/tfjs-core';
import { pair } from '../kernels/conv-geometry.js';
import { dilatedShape, dilateFilter, undilateFilterGrad } from './dilated-filter.js';

const runKernel = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor4D;

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
    const dy4 = dy as tf.Tensor4D;
    if (d[0] === 1 && d[1] === 1)
      return {
        x: () => runKernel('Conv2DBackpropInput', { dy: dy4, filter }, { ...common, inputShape: x.shape }),
        filter: () => runKernel('Conv2DBackpropFilter', { x, dy: dy4 }, { ...common, filterShape: filter.shape }),
      };
    return {
      x: () =>
        tf.tidy(() => runKernel('Conv2DBackpropInput', { dy: dy4, filter: dilateFilter(filter, d) }, { ...common, inputShape: x.shape })),
      filter: () =>
        tf.tidy(() =>
          undilateFilterGrad(
            runKernel('Conv2DBackpropFilter', { x, dy: dy4 }, { ...common, filterShape: dilatedShape(filter.shape, d) }),
            d,
          ),
        ),
    };
  },
};
