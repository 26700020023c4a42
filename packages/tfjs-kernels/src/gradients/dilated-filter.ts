import * as tf from '@tensorflow/tfjs-core';

/**
 * A filter with dilation `d` as the equivalent undilated filter: `d − 1` zeros between taps, size
 * `(k − 1)·d + 1`. A convolution with `(filter, dilation d)` equals one with `(dilateFilter(filter), 1)`
 * under every padding mode, since tfjs resolves padding from the effective filter size in both cases.
 */
export function dilateFilter(filter: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  const [kh, kw, a, b] = filter.shape;
  return tf.tidy((): tf.Tensor4D => {
    const spread = tf.pad(tf.reshape(filter, [kh, 1, kw, 1, a, b]), [
      [0, 0],
      [0, dh - 1],
      [0, 0],
      [0, dw - 1],
      [0, 0],
      [0, 0],
    ]);
    const square = tf.reshape(spread, [kh * dh, kw * dw, a, b]) as tf.Tensor4D;
    return tf.slice(square, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, a, b]);
  });
}

/** The gradient of the taps of a dilated filter, read off the gradient of its undilated equivalent. */
export function undilateFilterGrad(grad: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  return tf.stridedSlice(grad, [0, 0, 0, 0], grad.shape, [dh, dw, 1, 1]) as tf.Tensor4D;
}

export function dilatedShape([kh, kw, a, b]: readonly number[], [dh, dw]: [number, number]): [number, number, number, number] {
  return [((kh as number) - 1) * dh + 1, ((kw as number) - 1) * dw + 1, a as number, b as number];
}
