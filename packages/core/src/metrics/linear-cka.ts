import * as tf from '@tensorflow/tfjs-core';

/**
 * Linear CKA (Kornblith et al. 2019) between two representations of the same n examples, `x` [n, p] and `y` [n, q]
 * (flatten feature maps first): ‖Yᶜᵀ Xᶜ‖²_F / (‖Xᶜᵀ Xᶜ‖_F · ‖Yᶜᵀ Yᶜ‖_F) with column-centred Xᶜ, Yᶜ. In [0, 1],
 * invariant to orthogonal transforms and isotropic scaling, so features of different widths compare. Computed through
 * the n×n Gram matrices when n is smaller than the widths, which is the usual case for feature maps.
 */
export function linearCka(x: tf.Tensor2D, y: tf.Tensor2D): number {
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(`linearCka: both representations need the same examples (got ${x.shape[0]} and ${y.shape[0]} rows)`);
  }
  const value = tf.tidy(() => {
    const xc = tf.sub(x, tf.mean(x, 0, true));
    const yc = tf.sub(y, tf.mean(y, 0, true));
    // ‖Yᵀ X‖²_F = tr(K L) with K = X Xᵀ, L = Y Yᵀ: same number, smaller matrices when n < p, q.
    const useGram = x.shape[0] < Math.min(x.shape[1], y.shape[1]);
    const k = useGram ? tf.matMul(xc, xc, false, true) : tf.matMul(xc, xc, true, false);
    const l = useGram ? tf.matMul(yc, yc, false, true) : tf.matMul(yc, yc, true, false);
    const cross = useGram ? tf.sum(tf.mul(k, l)) : tf.sum(tf.square(tf.matMul(yc, xc, true, false)));
    const norm = tf.mul(tf.norm(k), tf.norm(l));
    return tf.div(cross, norm);
  });
  const v = value.dataSync()[0]!;
  value.dispose();
  return v;
}
