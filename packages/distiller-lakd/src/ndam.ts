import * as tf from '@tensorflow/tfjs-core';
import { absLikeTorch } from '@kd/core';

export interface NdamSettings {
  readonly avgWeight: number;
  readonly maxWeight: number;
  readonly kernel: number;
  /** L_att over positions: mean (default) or sum. */
  readonly reduction?: 'mean' | 'sum';
}

/** Stops L2 normalisation from dividing by zero on an all-zero map (PyTorch's F.normalize eps). */
const NORM_EPS = 1e-12;

/**
 * The coarse-grained, sign-agnostic activation map of NHWC features, before normalisation: A = Σ_c |F_c|, then
 * a·AvgPool_k(A) + b·MaxPool_k(A) with stride 1 and zero padding of ⌊k/2⌋. Padding is counted in the average (PyTorch
 * AvgPool2d's default), and zeros never win the max because A ≥ 0. Shape [batch, H, W].
 */
export function coarseActivationMap(features: tf.Tensor4D, s: NdamSettings): tf.Tensor3D {
  return tf.tidy(() => {
    // PyTorch's gradient of |F| (0 at 0): post-ReLU features are exactly 0 in many places
    const a = tf.sum(absLikeTorch(features), 3, true) as tf.Tensor4D;
    const p = Math.floor(s.kernel / 2);
    const padded =
      p > 0
        ? tf.pad(a, [
            [0, 0],
            [p, p],
            [p, p],
            [0, 0],
          ])
        : a;
    const avg = tf.avgPool(padded, s.kernel, 1, 'valid');
    const max = tf.maxPool(padded, s.kernel, 1, 'valid');
    return tf.squeeze(tf.add(tf.mul(avg, s.avgWeight), tf.mul(max, s.maxWeight)), [3]) as tf.Tensor3D;
  });
}

/** The NDAM map: {@link coarseActivationMap} flattened per sample and divided by its L2 norm. Shape [batch, H·W]. */
export function ndamMap(features: tf.Tensor4D, s: NdamSettings): tf.Tensor2D {
  return tf.tidy(() => {
    const [b] = features.shape;
    const flat = tf.reshape(coarseActivationMap(features, s), [b, -1]) as tf.Tensor2D;
    return tf.div(flat, tf.maximum(tf.norm(flat, 2, 1, true), NORM_EPS));
  });
}

/**
 * L_att: the squared difference of the normalised maps (teacher map held constant), averaged over the batch and,
 * with the default reduction, over positions too; `sum` sums over positions (the squared L2 distance per sample).
 */
export function ndamLoss(student: tf.Tensor4D, teacher: tf.Tensor4D, s: NdamSettings): tf.Scalar {
  return tf.tidy(() => {
    const sq = tf.squaredDifference(ndamMap(student, s), ndamMap(teacher, s));
    return (s.reduction === 'sum' ? tf.mean(tf.sum(sq, 1)) : tf.mean(sq)) as tf.Scalar;
  });
}

/**
 * The teacher's map as spatial weights of the feature loss, rescaled so that the weights average 1 over positions:
 * a uniform map then gives the plain MSE, and the feature loss keeps its scale whatever the map size. Shape [b, H, W, 1].
 */
export function ndamWeights(teacher: tf.Tensor4D, s: NdamSettings): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w] = teacher.shape;
    const m = ndamMap(teacher, s);
    const scaled = tf.div(m, tf.maximum(tf.mean(m, 1, true), NORM_EPS));
    return tf.reshape(scaled, [b, h, w, 1]) as tf.Tensor4D;
  });
}
