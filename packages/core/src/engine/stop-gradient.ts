import * as tf from '@tensorflow/tfjs-core';

/**
 * Identity forward, zero gradient backward (PyTorch's `.detach()`): the teacher is a constant target even when a
 * caller differentiates with respect to its tensors. tfjs has no stop-gradient op (tensorflow/tfjs#7438).
 */
export const stopGradient = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc) => ({
  value: tf.clone(x as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as <T extends tf.Tensor>(x: T) => T;
