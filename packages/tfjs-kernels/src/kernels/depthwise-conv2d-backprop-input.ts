import * as tf from '@tensorflow/tfjs-core';
import { compositeKernel } from './kernel-runner.js';
import { convGeometry, inputGradPlan, type ConvBackpropAttrs } from './conv-geometry.js';

/**
 * `DepthwiseConv2dNativeBackpropInput` from forward kernels: a depthwise stride-1 correlation of the
 * zero-upsampled, padded `dy` (`C·M` channels) with the spatially flipped filter seen as `[kh, kw, C·M, 1]`,
 * then a sum over the channel multiplier M:
 *
 *   dx[n, h, w, c] = Σ_{i, j, m} up(dy)[n, h + top − i·d, w + left − j·d, c·M + m] · W[i, j, c, m]
 *
 * Registered for wasm only (missing there); the stock cpu kernel is as fast as this on cpu. Honours
 * `dilations`.
 */
export function depthwiseConv2dBackpropInputKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backendName,
    kernelFunc: compositeKernel(backendName, (run, inputs, attrs) => {
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as ConvBackpropAttrs<'inputShape'>;
      const g = convGeometry(inputShape, filter.shape, strides, dilations, pad, dimRoundingMode, true);
      const [kh, kw, c, m] = filter.shape as [number, number, number, number];
      const [n, h, w] = inputShape;
      if (tf.util.sizeFromShape(dy.shape) === 0 || tf.util.sizeFromShape(inputShape) === 0 || m === 0) return run.zeros([...inputShape]);
      let up = run.upsampleWithZeros(dy, g.strides);
      const plan = inputGradPlan(g, up.shape[1] as number, up.shape[2] as number);
      if (plan === undefined) return run.zeros([...inputShape]);
      const { begin, size } = plan.crop;
      if (begin[0] !== 0 || begin[1] !== 0 || size[0] !== up.shape[1] || size[1] !== up.shape[2])
        up = run.slice(up, [0, begin[0], begin[1], 0], [n, size[0], size[1], c * m]);
      const flipped = run.reshape(run.reverse(filter, [0, 1]), [kh, kw, c * m, 1]);
      const r = run.depthwiseConv2d(up, flipped, [1, 1], g.dilations, plan.pad); // [N, H, W, C·M]
      if (m === 1) return r;
      return run.sum(run.reshape(r, [n, h, w, c, m]), 4);
    }),
  };
}
