import * as tf from '@tensorflow/tfjs-core';
import { dilatedShape, dilateFilter, undilateFilterGrad } from './dilated-filter.js';

const runKernel = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor4D;

/**
 * The x and filter gradients of a 2-D convolution (plain or depthwise) through its two backprop kernels, named in
 * `kernels`. At dilation 1 they are tfjs-core's. Dilation d > 1, which tfjs-core's gradients reject, goes through the
 * zero-spread equivalent filter: the backprop kernels run on that, and the filter gradient keeps every d-th tap.
 * `attrs` are the attributes both kernels share (the result shape is added here).
 */
export function backpropGrads(
  kernels: { readonly input: string; readonly filter: string },
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  d: [number, number],
  attrs: object,
): { x: () => tf.Tensor4D; filter: () => tf.Tensor4D } {
  if (d[0] === 1 && d[1] === 1)
    return {
      x: () => runKernel(kernels.input, { dy, filter }, { ...attrs, inputShape: x.shape }),
      filter: () => runKernel(kernels.filter, { x, dy }, { ...attrs, filterShape: filter.shape }),
    };
  return {
    x: () => tf.tidy(() => runKernel(kernels.input, { dy, filter: dilateFilter(filter, d) }, { ...attrs, inputShape: x.shape })),
    filter: () =>
      tf.tidy(() => undilateFilterGrad(runKernel(kernels.filter, { x, dy }, { ...attrs, filterShape: dilatedShape(filter.shape, d) }), d)),
  };
}
