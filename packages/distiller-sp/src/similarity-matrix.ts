import * as tf from '@tensorflow/tfjs-core';

/** F.normalize's ε: each row's norm is clamped below at 1e-12. */
export const SP_NORM_EPS = 1e-12;

/**
 * The batch similarity matrix of Tung & Mori (2019): G = F·Fᵀ over each sample's flattened feature, then every row
 * divided by its L2 norm (`F.normalize`, norm clamped at 1e-12): `[B, …]` → `[B, B]`.
 *
 * The flattening order does not matter (a Gram matrix is invariant to permuting the feature axis), so an NHWC feature
 * gives the same G as PyTorch's NCHW `view(B, -1)`. The clamp is applied to the squared norm (√max(s, ε²) =
 * max(√s, ε)) so that a sample whose feature is all zero — a dead ReLU stage — has a zero row and a finite gradient.
 */
export function similarityMatrix(feature: tf.Tensor): tf.Tensor2D {
  if (feature.rank < 2) throw new Error(`similarityMatrix: expected a [batch, …] feature, got shape ${JSON.stringify(feature.shape)}`);
  const batch = feature.shape[0];
  return tf.tidy(() => {
    const flat = tf.reshape(feature, [batch, -1]) as tf.Tensor2D;
    const g = tf.matMul(flat, flat, false, true);
    const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(g), 1, true), SP_NORM_EPS * SP_NORM_EPS));
    return tf.div(g, norm) as tf.Tensor2D;
  });
}
