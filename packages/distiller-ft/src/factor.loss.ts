import * as tf from '@tensorflow/tfjs-core';
import { absLikeTorch } from '@kd/core';

/** Per-sample L2 normalisation of a flattened factor, as `F.normalize(f.view(B, -1))` (ε = 1e-12 on the norm). */
export function normalizedFactor(factor: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const flat = tf.reshape(factor, [factor.shape[0]!, -1]) as tf.Tensor2D;
    const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(flat), 1, true)), 1e-12);
    return tf.div(flat, norm);
  });
}

function checkSameShape(a: tf.Tensor, b: tf.Tensor, what: string): void {
  if (a.shape.join('x') !== b.shape.join('x'))
    throw new Error(`${what}: factors must have the same shape, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
}

/** How the p = 2 distance is reduced: `root` √(mean d²) as the official code, `power` the mean square. */
export type DistanceForm = 'root' | 'power';

/**
 * Factor-transfer distance (Kim et al. 2018; IE-KD's `FTLoss`) of per-sample L2-normalised flattened factors n(·),
 * d = n(F_S) − n(F_T): mean|d| for p = 1 (the paper's and the reference code's choice). For p = 2 the official
 * code's `_factor_transfer` takes (Σ d² / numel)^(1/2), the root mean square (`root`); `power` gives the mean square.
 * |d| is differentiated as PyTorch does (sign(0) = 0).
 */
export function factorTransferLoss(student: tf.Tensor, teacher: tf.Tensor, p: 1 | 2 = 1, form: DistanceForm = 'root'): tf.Scalar {
  checkSameShape(student, teacher, 'factor transfer loss');
  return tf.tidy(() => {
    const d = tf.sub(normalizedFactor(student), normalizedFactor(teacher));
    if (p === 1) return tf.mean(absLikeTorch(d)) as tf.Scalar;
    const meanSquare = tf.mean(tf.square(d)) as tf.Scalar;
    return form === 'root' ? tf.sqrt(meanSquare) : meanSquare;
  });
}

/**
 * Cosine similarity magnitude mean_b |cos(F_S,b, F_T,b)| of flattened factors: IE-KD's `CosLoss`, the exploration
 * variant that asks for orthogonality rather than distance.
 */
export function absoluteCosine(student: tf.Tensor, teacher: tf.Tensor): tf.Scalar {
  checkSameShape(student, teacher, 'cosine loss');
  return tf.tidy(() => tf.mean(absLikeTorch(tf.sum(tf.mul(normalizedFactor(student), normalizedFactor(teacher)), 1))));
}

/**
 * Auto-encoder reconstruction loss: the reference code's `RecLoss(norm=1)` is the mean absolute error (norm 1);
 * the paper writes a squared error (norm 2, here the mean squared error).
 */
export function reconstructionLoss(feature: tf.Tensor, reconstruction: tf.Tensor, norm: 1 | 2 = 1): tf.Scalar {
  checkSameShape(feature, reconstruction, 'reconstruction loss');
  return tf.tidy(() => {
    const d = tf.sub(feature, reconstruction);
    return tf.mean(norm === 1 ? absLikeTorch(d) : tf.square(d));
  });
}
