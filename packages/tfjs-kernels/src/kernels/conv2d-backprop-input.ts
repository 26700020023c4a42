import * as tf from '@tensorflow/tfjs-core';
import { compositeKernel } from './kernel-runner.js';
import { convGeometry, inputGradPlan, type ConvBackpropAttrs } from './conv-geometry.js';

/**
 * `Conv2DBackpropInput` from forward kernels: the input gradient is the stride-1 correlation of `dy`,
 * zero-upsampled by the forward stride and padded by `(k − 1)·d − pad`, with the filter flipped in space
 * and with its in/out channels swapped:
 *
 *   dx[n, h, w, ci] = Σ_{i, j, co} up(dy)[n, h + top − i·d, w + left − j·d, co] · W[i, j, ci, co]
 *
 * Registered for wasm only: the stock wasm kernel is a scalar C++ loop, while this runs on XNNPACK's
 * convolution, ~10× faster at stride 1 and ~2.5× at stride 2 despite the zero-upsampling (see README).
 * The stock cpu kernel is as fast as a cpu forward convolution, so cpu keeps it.
 */
export function conv2dBackpropInputKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName,
    kernelFunc: compositeKernel(backendName, (run, inputs, attrs) => {
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as ConvBackpropAttrs<'inputShape'>;
      const g = convGeometry(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false, dataFormat ?? 'NHWC');
      const nhwc = [g.batch, g.inHeight, g.inWidth, g.inChannels];
      const toOutput = (dxNhwc: tf.TensorInfo) => (g.channelsLast ? dxNhwc : run.transpose(dxNhwc, [0, 3, 1, 2]));
      if (tf.util.sizeFromShape(inputShape) === 0) return run.zeros([...inputShape]);
      if (tf.util.sizeFromShape(dy.shape) === 0 || g.outChannels === 0) return toOutput(run.zeros(nhwc));

      const dyNhwc = g.channelsLast ? dy : run.transpose(dy, [0, 2, 3, 1]);
      let up = run.upsampleWithZeros(dyNhwc, g.strides);
      const plan = inputGradPlan(g, up.shape[1] as number, up.shape[2] as number);
      if (plan === undefined) return toOutput(run.zeros(nhwc));
      const { begin, size } = plan.crop;
      if (begin[0] !== 0 || begin[1] !== 0 || size[0] !== up.shape[1] || size[1] !== up.shape[2])
        up = run.slice(up, [0, begin[0], begin[1], 0], [g.batch, size[0], size[1], g.outChannels]);
      // [kh, kw, Ci, Co] → flipped in space, [kh, kw, Co, Ci].
      const flipped = run.transpose(run.reverse(filter, [0, 1]), [0, 1, 3, 2]);
      return toOutput(run.conv2d(up, flipped, [1, 1], g.dilations, plan.pad));
    }),
  };
}
