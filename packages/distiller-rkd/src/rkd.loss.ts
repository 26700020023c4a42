import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, stopGradient, type CeLossResult, type EmbeddingLossInputs } from '@kd/core';
import type { RkdOptions } from './rkd.options.js';

/** The options the loss reads (all of them required: the schema supplies the defaults). */
export type RkdLossOptions = Pick<RkdOptions, 'distanceWeight' | 'angleWeight' | 'ceWeight' | 'squared' | 'eps'>;

/** PyTorch's F.normalize clamps the norm at this value; RKD's angle term inherits it. */
const NORMALIZE_EPS = 1e-12;

/**
 * Pairwise Euclidean distances of the rows of `e` ([B, D] → [B, B]) the way the reference computes them: from
 * |e_i|² + |e_j|² − 2⟨e_i, e_j⟩, clamped below at `eps` before the square root (which keeps the root's gradient
 * finite for coincident rows), with a zero diagonal.
 */
export function pairwiseDistances(e: tf.Tensor2D, squared: boolean, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const sq = tf.sum(tf.square(e), 1);
    const d2 = tf.sub(tf.add(tf.expandDims(sq, 1), tf.expandDims(sq, 0)), tf.mul(tf.matMul(e, e, false, true), 2));
    const clamped = tf.maximum(d2, eps);
    const d = squared ? clamped : tf.sqrt(clamped);
    const n = e.shape[0];
    return tf.mul(d, tf.sub(1, tf.eye(n))) as tf.Tensor2D;
  });
}

/**
 * Distances divided by the mean of the positive ones (the paper's μ). The reference selects the entries > 0; with
 * eps > 0 those are exactly the off-diagonal ones (each is at least √eps), so the mean runs over B·(B − 1) entries.
 */
export function normalisedDistances(e: tf.Tensor2D, squared: boolean, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const d = pairwiseDistances(e, squared, eps);
    const n = e.shape[0];
    return tf.div(d, tf.div(tf.sum(d), n * (n - 1))) as tf.Tensor2D;
  });
}

/**
 * cos ∠(e_j, e_i, e_k) for every triple: ⟨n_ij, n_ik⟩ with n_ij = (e_j − e_i)/max(‖e_j − e_i‖, 1e-12), [B, B, B]. A
 * degenerate triple (j = i or k = i) has a zero vector and so a zero cosine.
 */
export function angleCosines(e: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const diff = tf.sub(tf.expandDims(e, 0), tf.expandDims(e, 1));
    // Clamping the squared norm gives max(‖x‖, eps) but keeps sqrt away from 0, whose gradient would be 0·∞ = NaN.
    const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(diff), 2, true), NORMALIZE_EPS * NORMALIZE_EPS));
    const unit = tf.div(diff, norm) as tf.Tensor3D;
    return tf.matMul(unit, unit, false, true);
  });
}

/** PyTorch's F.smooth_l1_loss with β = 1 and mean reduction: 0.5·x² for |x| < 1, |x| − 0.5 beyond. */
export function smoothL1(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    // 0.5·m² + (x − m) with m = min(x, 1) is the same piecewise function, without a comparison on the tape (tfjs has
    // no gradient for Less, which a where() would put there).
    const x = tf.abs(tf.sub(a, b));
    const m = tf.minimum(x, 1);
    return tf.mean(tf.add(tf.mul(tf.square(m), 0.5), tf.sub(x, m)));
  });
}

export type RkdLossInputs = EmbeddingLossInputs;

/** `distance`: smooth L1 between normalised distance matrices; `angle`: smooth L1 between angle tensors. */
export type RkdLossResult = CeLossResult<'distance' | 'angle'>;

/** total = ceWeight·CE + distanceWeight·distance + angleWeight·angle; the teacher embedding is a constant. */
export function rkdLossTerms(inputs: RkdLossInputs, options: RkdLossOptions): RkdLossResult {
  const { studentEmbedding: s, teacherEmbedding: t, studentLogits, labels } = inputs;
  if (s.rank !== 2 || t.rank !== 2 || s.shape[0] !== t.shape[0])
    throw new Error(
      `rkd loss: expected [batch, dim] embeddings with one batch size, got student ${JSON.stringify(s.shape)} and teacher ${JSON.stringify(t.shape)}`,
    );
  if (s.shape[0] < 2) throw new Error(`rkd loss: relations need at least 2 samples in a batch, got ${s.shape[0]}`);
  return tf.tidy(() => {
    const teacher = stopGradient(t);
    const distance = smoothL1(
      normalisedDistances(s, options.squared, options.eps),
      normalisedDistances(teacher, options.squared, options.eps),
    );
    const angle = smoothL1(angleCosines(s), angleCosines(teacher));
    const ce = crossEntropy(studentLogits, labels);
    const total = tf.addN([tf.mul(ce, options.ceWeight), tf.mul(distance, options.distanceWeight), tf.mul(angle, options.angleWeight)]);
    return { total: total as tf.Scalar, ce, distance, angle };
  });
}
