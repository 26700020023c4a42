import * as tf from '@tensorflow/tfjs-core';
import { compositeKernel, type KernelRunner } from './kernel-runner.js';
import { convGeometry, filterGradPadding, type ConvBackpropAttrs } from './conv-geometry.js';

/**
 * `Conv2DBackpropFilter` from forward kernels. The filter gradient is itself a convolution:
 *
 *   dW[i, j, ci, co] = Σ_{n, oh, ow} x[n, oh·s + i·d − top, ow·s + j·d − left, ci] · dy[n, oh, ow, co]
 *
 * i.e. the input seen as `[Ci, H, W, N]` (channels ↔ batch) convolved with `dy` seen as the filter
 * `[Ho, Wo, N, Co]`, with the forward *stride* as dilation and the forward *dilation* as stride. The result
 * `[Ci, kh, kw, Co]` is transposed back to `[kh, kw, Ci, Co]`. NCHW inputs are handled by the same two
 * transposes (with other permutations), so they cost nothing extra.
 *
 * On wasm this runs as one XNNPACK convolution (the stock wasm backend has no `Conv2DBackpropFilter`); on
 * cpu it replaces the stock kernel, whose per-element `TensorBuffer.get` loop runs at ~0.01 GFLOP/s.
 * Attributes: those of the stock kernel (`strides`, `pad`, `dataFormat`, `dimRoundingMode`, `filterShape`;
 * no dilations, as in tfjs).
 */
/**
 * x as `[Ci, H, W, N]`. wasm's `Transpose` of a 4-D permutation like NHWC → CHWN walks every element with 4-D index
 * arithmetic (≈ 48 ms for [64, 32, 32, 64]); the same result as a 2-D transpose `[N, H·W·C] → [H·W·C, N]` followed,
 * for NHWC, by a block move `[H·W, C, N] → [C, H·W, N]` takes a third of that (measured 2.3–3.3× on [64, H, W, C]).
 */
function batchToLast(run: KernelRunner, x: tf.TensorInfo, channelsLast: boolean): tf.TensorInfo {
  const [n, a, b, c] = x.shape as [number, number, number, number];
  const flipped = run.transpose(run.reshape(x, [n, a * b * c]), [1, 0]); // [a·b·c, N]
  if (!channelsLast) return run.reshape(flipped, [a, b, c, n]); // NCHW: [C, H, W, N] already
  const moved = run.transpose(run.reshape(flipped, [a * b, c, n]), [1, 0, 2]); // [C, H·W, N]
  return run.reshape(moved, [c, a, b, n]);
}

export function conv2dBackpropFilterKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: compositeKernel(backendName, (run, inputs, attrs) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as ConvBackpropAttrs<'filterShape'>;
      const g = convGeometry(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, dataFormat ?? 'NHWC');
      const [kh, kw, ci, co] = filterShape;
      const [outHeight, outWidth] = g.channelsLast ? [dy.shape[1], dy.shape[2]] : [dy.shape[2], dy.shape[3]];
      if (g.batch === 0 || outHeight === 0 || outWidth === 0 || ci === 0 || co === 0) return run.zeros([...filterShape]);
      // x: NHWC → [Ci, H, W, N] or NCHW → [Ci, H, W, N]; dy: NHWC / NCHW → [Ho, Wo, N, Co].
      const xT = batchToLast(run, x, g.channelsLast);
      const dyT = run.transpose(dy, g.channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1]);
      const pads = filterGradPadding(g, outHeight as number, outWidth as number);
      let r = run.conv2d(xT, dyT, g.dilations, g.strides, pads); // [Ci, ≥kh, ≥kw, Co]
      if (r.shape[1] !== kh || r.shape[2] !== kw) r = run.slice(r, [0, 0, 0, 0], [ci, kh, kw, co]);
      return run.transpose(r, [1, 2, 0, 3]);
    }),
  };
}
