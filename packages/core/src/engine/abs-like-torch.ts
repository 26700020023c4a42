import * as tf from '@tensorflow/tfjs-core';

const abs = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return { value: tf.abs(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sign(saved[0]!)) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/**
 * |x| whose gradient is PyTorch's: dy·sign(x), with sign(0) = 0. tfjs differentiates `tf.abs` as dy·(x > 0 ? 1 : −1),
 * so an exact zero (a ReLU output, a zero-padded border) gets −1 and a loss on |F| drifts from the reference code's
 * gradients wherever features are exactly zero.
 */
export function absLikeTorch<T extends tf.Tensor>(x: T): T {
  return abs(x) as T;
}
