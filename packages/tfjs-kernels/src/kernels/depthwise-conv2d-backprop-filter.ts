import * as tf from '@tensorflow/tfjs-core';
import { compositeKernel } from './kernel-runner.js';
import { convGeometry, filterGradPadding, type ConvBackpropAttrs } from './conv-geometry.js';

/**
 * `DepthwiseConv2dNativeBackpropFilter` from forward kernels: one depthwise convolution with the batch
 * folded into the channels, then a sum over the batch.
 *
 *   dW[i, j, c, m] = Σ_{n, oh, ow} x[n, oh·s + i·d − top, ow·s + j·d − left, c] · dy[n, oh, ow, c·M + m]
 *
 * The input becomes `[1, H, W, N·C]` and `dy` the depthwise filter `[Ho, Wo, N·C, M]` (forward stride as
 * dilation, forward dilation as stride); the output `[1, kh, kw, N·C·M]` is summed over N.
 * Registered for wasm (missing there) and cpu (the stock loop is 5–7× slower). Honours `dilations`.
 */
export function depthwiseConv2dBackpropFilterKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backendName,
    kernelFunc: compositeKernel(backendName, (run, inputs, attrs) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as ConvBackpropAttrs<'filterShape'>;
      const g = convGeometry(x.shape, filterShape, strides, dilations, pad, dimRoundingMode, true);
      const [kh, kw, c, m] = filterShape;
      const [n, h, w] = x.shape as [number, number, number, number];
      const [, outHeight, outWidth] = dy.shape as [number, number, number, number];
      if (n === 0 || outHeight === 0 || outWidth === 0 || c === 0 || m === 0) return run.zeros([...filterShape]);
      const xf = run.reshape(run.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]);
      const ff = run.reshape(run.transpose(dy, [1, 2, 0, 3]), [outHeight, outWidth, n * c, m]);
      let r = run.depthwiseConv2d(xf, ff, g.dilations, g.strides, filterGradPadding(g, outHeight, outWidth));
      if (r.shape[1] !== kh || r.shape[2] !== kw) r = run.slice(r, [0, 0, 0, 0], [1, kh, kw, n * c * m]);
      if (n === 1) return run.reshape(r, [kh, kw, c, m]);
      return run.reshape(run.sum(run.reshape(r, [kh, kw, n, c * m]), 2), [kh, kw, c, m]);
    }),
  };
}
