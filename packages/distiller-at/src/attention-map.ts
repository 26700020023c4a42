import * as tf from '@tensorflow/tfjs-core';
import { absLikeTorch } from '@kd/core';

/** F.normalize's ε: the norm is clamped below at 1e-12. */
export const AT_NORM_EPS = 1e-12;

/**
 * The spatial attention map of Zagoruyko & Komodakis (2017) for an NHWC feature: Q = vec(mean_c |F_c|^p), divided by
 * its L2 norm per sample (`F.normalize`, norm clamped at 1e-12): `[N, H, W, C]` → `[N, H·W]`.
 *
 * The clamp is applied to the squared norm (√max(s, ε²) = max(√s, ε)), so an all-zero map — a dead ReLU stage —
 * gives a zero map and a finite (zero) gradient instead of √0's infinite slope times 0.
 */
export function attentionMap(feature: tf.Tensor4D, p = 2): tf.Tensor2D {
  if (feature.rank !== 4) throw new Error(`attentionMap: expected an NHWC feature, got shape ${JSON.stringify(feature.shape)}`);
  if (!Number.isFinite(p) || p < 1) throw new RangeError(`attentionMap: p must be a number ≥ 1, got ${p}`);
  const [n, h, w] = feature.shape;
  return tf.tidy(() => {
    // p = 2 (the paper's and mdistiller's choice) squares exactly; |F|^p otherwise, with PyTorch's gradient of |F| at
    // 0 (post-ReLU features are often exactly 0, where tf.abs's −1 would bend the p = 1 gradient)
    const powered = p === 2 ? tf.square(feature) : p === 1 ? absLikeTorch(feature) : tf.pow(absLikeTorch(feature), p);
    const q = tf.reshape(tf.mean(powered, 3), [n, h * w]) as tf.Tensor2D;
    const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(q), 1, true), AT_NORM_EPS * AT_NORM_EPS));
    return tf.div(q, norm) as tf.Tensor2D;
  });
}
