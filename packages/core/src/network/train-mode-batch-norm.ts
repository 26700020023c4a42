import * as tf from '@tensorflow/tfjs-core';

/** PyTorch's BatchNorm2d ε. */
export const TORCH_BN_EPSILON = 1e-5;

/**
 * Batch norm of an NHWC map as PyTorch's BatchNorm2d in train mode: the batch's mean and biased variance over N, H
 * and W, then γ and β. For a method's helper modules that only ever run inside training steps, so that running
 * averages would never be read and need not be kept.
 */
export function trainModeBatchNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, epsilon = TORCH_BN_EPSILON): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta) as tf.Tensor4D;
  });
}
