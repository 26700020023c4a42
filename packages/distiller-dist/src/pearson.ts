import * as tf from '@tensorflow/tfjs-core';

/** The official code's ε in the Pearson denominator: (‖a'‖·‖b'‖ + 1e-8). */
export const PEARSON_EPS = 1e-8;

/**
 * ‖row‖₂ as a [rows, 1] column, with PyTorch's gradient at a zero row: 0 rather than tfjs's √0 slope (NaN). A zero
 * centred row is what a uniform distribution, or a class over a batch of one, gives.
 */
const rowNorm = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const n = tf.sqrt(tf.sum(tf.square(x), 1, true));
  save([x, n]);
  return {
    value: n,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [x_, n_] = saved as [tf.Tensor2D, tf.Tensor2D];
      const safe = tf.where(tf.greater(n_, 0), n_, tf.onesLike(n_));
      return tf.where(tf.broadcastTo(tf.greater(n_, 0), x_.shape), tf.div(tf.mul(dy, x_), safe), tf.zerosLike(x_));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor2D) => tf.Tensor2D;

/**
 * Pearson correlation of each row of `a` with the same row of `b`, as the official code writes it: the cosine of the
 * mean-centred rows, Σ a'b' / (‖a'‖·‖b'‖ + 1e-8). `[rows, n]` → `[rows]`.
 */
export function pearsonRows(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const ac = tf.sub(a, tf.mean(a, 1, true)) as tf.Tensor2D;
    const bc = tf.sub(b, tf.mean(b, 1, true)) as tf.Tensor2D;
    const num = tf.sum(tf.mul(ac, bc), 1);
    const den = tf.add(tf.reshape(tf.mul(rowNorm(ac), rowNorm(bc)), [-1]), PEARSON_EPS);
    return tf.div(num, den) as tf.Tensor1D;
  });
}
