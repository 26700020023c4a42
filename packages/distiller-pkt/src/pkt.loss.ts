import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, stopGradient, weightedSum, type CeLossResult, type EmbeddingLossInputs } from '@kd/core';

/** The reference code's ε, used both in the norm's denominator and inside the log ratio. */
export const PKT_EPS = 1e-7;

/** u = x / (√s + ε) on rows with s = ‖x‖² > 0, 0 elsewhere (an all-zero row; NaN rows, whose s is NaN). */
function unitRowsForward(x: tf.Tensor2D): { u: tf.Tensor2D; live: tf.Tensor2D; n: tf.Tensor2D } {
  return tf.tidy(() => {
    const s = tf.sum(tf.square(x), 1, true);
    const liveRow = tf.greater(s, 0);
    const n = tf.sqrt(tf.where(liveRow, s, tf.onesLike(s))) as tf.Tensor2D;
    const live = tf.broadcastTo(liveRow, x.shape) as tf.Tensor2D;
    const u = tf.where(live, tf.div(x, tf.add(n, PKT_EPS)), tf.zerosLike(x));
    // the reference's NaN → 0 replacement (a row with a non-finite entry)
    return { u: tf.where(tf.isNaN(u), tf.zerosLike(u), u) as tf.Tensor2D, live, n };
  });
}

/**
 * Rows divided by (‖row‖₂ + ε), entries that come out NaN set to 0, as the reference code does.
 *
 * The reference's √ has an infinite slope at an all-zero row (a dead embedding), which turns its gradient into NaN
 * for every weight. Here a row with squared norm 0 — or NaN, whose value the reference zeroes anyway — is the
 * constant zero vector: the same value, and no gradient through it. Elsewhere the gradient is the analytic
 * ∂u/∂x = I/(n + ε) − x xᵀ/(n (n + ε)²), n = ‖x‖₂ (a custom gradient, since tfjs has none for the comparisons).
 */
export const unitRows = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const { u, live, n } = unitRowsForward(x);
  save([x, live, n]);
  return {
    value: u,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [x_, live_, n_] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const d = tf.add(n_, PKT_EPS);
      const xg = tf.sum(tf.mul(x_, dy), 1, true);
      const g = tf.sub(tf.div(dy, d), tf.div(tf.mul(x_, xg), tf.mul(n_, tf.square(d))));
      return tf.where(live_, g, tf.zerosLike(g));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor2D) => tf.Tensor2D;

/**
 * The conditional probabilities P[i, j] of a batch: the cosine-similarity kernel shifted to [0, 1], (cos + 1)/2,
 * normalised over each row. `excludeSelf` zeroes the diagonal before normalising (the paper's p(i|j), k ≠ j).
 */
export function similarityProbabilities(x: tf.Tensor2D, excludeSelf: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const u = unitRows(x);
    let k = tf.div(tf.add(tf.matMul(u, u, false, true), 1), 2) as tf.Tensor2D;
    if (excludeSelf) k = tf.mul(k, tf.sub(1, tf.eye(x.shape[0])));
    return tf.div(k, tf.sum(k, 1, true)) as tf.Tensor2D;
  });
}

/**
 * mean over the B × B entries of P_T · log((P_T + ε)/(P_S + ε)). The embeddings may differ in width; the batch
 * sizes must agree.
 */
export function pktLoss(student: tf.Tensor2D, teacher: tf.Tensor2D, excludeSelf: boolean): tf.Scalar {
  if (student.rank !== 2 || teacher.rank !== 2 || student.shape[0] !== teacher.shape[0])
    throw new Error(
      `pkt loss: expected [batch, dim] embeddings with one batch size, got student ${JSON.stringify(student.shape)} and teacher ${JSON.stringify(teacher.shape)}`,
    );
  return tf.tidy(() => {
    const ps = similarityProbabilities(student, excludeSelf);
    const pt = similarityProbabilities(teacher, excludeSelf);
    // log((P_T + ε)/(P_S + ε)) as log1p((P_T − P_S)/(P_S + ε)): the ratio is near 1 where the student is close,
    // and rounding it first would cost its float32 error in absolute terms on a small loss.
    const logRatio = tf.log1p(tf.div(tf.sub(pt, ps), tf.add(ps, PKT_EPS)));
    return tf.mean(tf.mul(pt, logRatio)) as tf.Scalar;
  });
}

/** The loss weights and form; the plugin passes them from the validated options (defaults live in the schema). */
export interface PktLossOptions {
  readonly ceWeight: number;
  readonly beta: number;
  readonly excludeSelf: boolean;
}

export type PktLossInputs = EmbeddingLossInputs;

export type PktLossResult = CeLossResult<'pkt'>;

/** total = ceWeight·CE + β·PKT. The teacher's embedding is a constant (zero gradient). */
export function pktLossTerms(inputs: PktLossInputs, options: PktLossOptions): PktLossResult {
  return tf.tidy(() => {
    const pkt = pktLoss(inputs.studentEmbedding, stopGradient(inputs.teacherEmbedding), options.excludeSelf);
    const ce = crossEntropy(inputs.studentLogits, inputs.labels);
    const total = weightedSum([
      [ce, options.ceWeight],
      [pkt, options.beta],
    ]);
    return { total, ce, pkt };
  });
}
