import * as tf from '@tensorflow/tfjs-core';
import { checkLogitPair, completeLossOptions, crossEntropy, klDivergence, stopGradient } from '@kd/core';

/**
 * Options of the decoupled knowledge-distillation loss (Zhao, Cui, Song, Qiu, Liang, CVPR 2022). Every field is
 * optional; the defaults are mdistiller's CIFAR-100 settings (α 1, β 8, τ 4, CE weight 1) with the warm-up finished.
 */
export interface DkdLossOptions {
  /** Weight α of the target-class term TCKD. Default 1. */
  readonly alpha?: number;
  /** Weight β of the non-target-class term NCKD. Default 8 (mdistiller CIFAR-100; 2 or 6 for some pairs). */
  readonly beta?: number;
  /** Softmax temperature τ > 0 shared by teacher and student; both terms are multiplied by τ². Default 4. */
  readonly temperature?: number;
  /** Weight of the hard-label cross-entropy (at τ = 1). Default 1. */
  readonly ceWeight?: number;
  /**
   * Multiplier w ≥ 0 of the whole distillation part, α·tckd + β·nckd (mdistiller's linear warm-up,
   * `min(epoch / warmup, 1)`). The loss itself is a pure function of its inputs: the caller (the `dkd` distiller)
   * computes the factor from the epoch. Default 1 (warm-up finished).
   */
  readonly warmupFactor?: number;
}

/** The loss terms: `ce`, `tckd` and `nckd` are unweighted; `total = ceWeight·ce + warmupFactor·(α·tckd + β·nckd)`. */
export type DkdLossResult = {
  readonly total: tf.Scalar;
  /** Mean cross-entropy of the student's raw logits with the hard labels. */
  readonly ce: tf.Scalar;
  /** τ²·KL(b^T ‖ b^S) (binary target-vs-rest distributions), averaged over the batch. */
  readonly tckd: tf.Scalar;
  /** τ²·KL(p̂^T ‖ p̂^S) (distributions over the non-target classes), averaged over the batch. */
  readonly nckd: tf.Scalar;
};

/** Per-sample decomposition of KL(p^T ‖ p^S) at temperature τ (no τ² factor); all `[batch]` tensors. */
export type KlDecomposition = {
  /** KL(p^T ‖ p^S) over all classes (classic KD's divergence, without τ²). */
  readonly kl: tf.Tensor1D;
  /** KL(b^T ‖ b^S), b = [p_t, 1 − p_t]. */
  readonly tckd: tf.Tensor1D;
  /** KL(p̂^T ‖ p̂^S), p̂_j = p_j / (1 − p_t) for j ≠ t. */
  readonly nckd: tf.Tensor1D;
  /** p^T_t, the teacher's probability of the label at temperature τ (a constant: no gradient). */
  readonly teacherTargetProb: tf.Tensor1D;
};

export const DKD_LOSS_DEFAULTS: Readonly<Required<DkdLossOptions>> = Object.freeze({
  alpha: 1,
  beta: 8,
  temperature: 4,
  ceWeight: 1,
  warmupFactor: 1,
});

/**
 * mdistiller's mask: the target logit (already divided by τ) is lowered by 1000 before the softmax over the
 * non-target classes. Here the row's logit spread, max − min, is added to it, so the target's share is
 * exp(−1000) relative to the largest non-target logit whatever the logit range: identical to mdistiller's values
 * whenever the spread of z/τ is below ~900 (always in practice), and still exact beyond.
 */
export const DKD_TARGET_MASK = 1000;

/**
 * `p ≤ 1/2` as a boolean tensor that is a constant for the gradient tape (comparisons have no gradient in tfjs, so a
 * condition computed from the student's tensors must not be recorded).
 */
const atMostHalf = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc) => ({
  value: tf.lessEqual(x as tf.Tensor, 0.5),
  gradFunc: (dy: tf.Tensor) => tf.zeros(dy.shape, 'float32'),
})) as <T extends tf.Tensor>(x: T) => T;

/** a − (1000 + spread)·onehot: the target logit pushed far below every other logit of its row. */
function maskTarget(a: tf.Tensor2D, onehot: tf.Tensor2D): tf.Tensor2D {
  const spread = stopGradient(tf.sub(tf.max(a, 1, true), tf.min(a, 1, true)));
  return tf.sub(a, tf.mul(onehot, tf.add(spread, DKD_TARGET_MASK))) as tf.Tensor2D;
}

/**
 * Log-probabilities of the binary target-vs-rest distribution, `[batch, 2]` = [log p_t, log(1 − p_t)], exactly in
 * the log domain (no log of a clamped probability): log p_t = a_t − LSE(a), and log(1 − p_t) is
 * log1p(−p_t) while p_t ≤ 1/2 and LSE_{j≠t}(a) − LSE(a) (the masked row) above, so neither cancels. The input of
 * log1p is clamped to ≤ 1/2 so that the branch not taken has a finite gradient.
 */
function binaryLogProbs(a: tf.Tensor2D, masked: tf.Tensor2D, onehot: tf.Tensor2D): tf.Tensor2D {
  const lse = tf.logSumExp(a, 1, true);
  const logPt = tf.sub(tf.sum(tf.mul(a, onehot), 1, true), lse);
  const pt = tf.exp(logPt);
  const viaLog1p = tf.log1p(tf.neg(tf.minimum(pt, 0.5)));
  const viaMask = tf.sub(tf.logSumExp(masked, 1, true), lse);
  const logRest = tf.where(atMostHalf(pt), viaLog1p, viaMask);
  return tf.concat([logPt, logRest], 1) as tf.Tensor2D;
}

interface SampleTerms {
  readonly tckd: tf.Tensor1D;
  readonly nckd: tf.Tensor1D;
  readonly kl?: tf.Tensor1D;
  readonly teacherTargetProb: tf.Tensor1D;
}

/** Per-sample TCKD and NCKD (and optionally the full KL), no τ²; `teacher` must already be a constant. */
function sampleTerms(student: tf.Tensor2D, teacher: tf.Tensor2D, onehot: tf.Tensor2D, temperature: number, withKl: boolean): SampleTerms {
  const aS = tf.div(student, temperature) as tf.Tensor2D;
  const aT = tf.div(teacher, temperature) as tf.Tensor2D;
  const maskedS = maskTarget(aS, onehot);
  const maskedT = maskTarget(aT, onehot);
  const binS = binaryLogProbs(aS, maskedS, onehot);
  const binT = binaryLogProbs(aT, maskedT, onehot);
  const tckd = klDivergence(binS, binT);
  const nckd = klDivergence(maskedS, maskedT);
  const teacherTargetProb = tf.exp(tf.squeeze(tf.slice(binT, [0, 0], [-1, 1]), [1])) as tf.Tensor1D;
  return withKl ? { tckd, nckd, teacherTargetProb, kl: klDivergence(aS, aT) } : { tckd, nckd, teacherTargetProb };
}

/**
 * `dkdLoss`/`dkdLossTerms` are published for direct use without a config (AEKT builds on them), so they complete
 * missing options from {@link DKD_LOSS_DEFAULTS} (the same constant the options schema's defaults reference) and
 * repeat the schema's range checks: these weights ≥ 0, and the temperature as {@link decomposeKl} checks it; the plugin
 * passes options ajv has already completed and checked.
 */
const DKD_LOSS_WEIGHTS = { atLeastZero: ['alpha', 'beta', 'ceWeight', 'warmupFactor'] } as const;

function checkTemperature(temperature: number): void {
  if (!Number.isFinite(temperature) || temperature <= 0) {
    throw new RangeError(`dkd loss: temperature must be a finite number > 0, got ${temperature}`);
  }
}

function checkShapes(student: tf.Tensor2D, teacher: tf.Tensor2D, labels: tf.Tensor1D): void {
  checkLogitPair('dkd', student, teacher, labels);
  if (student.shape[1] < 2) throw new RangeError(`dkd loss: needs at least 2 classes, got ${student.shape[1]}`);
}

/**
 * Decomposes KL(p^T ‖ p^S) at temperature τ per sample (DKD Eq. 1–4): returns `[batch]` tensors `kl`, `tckd`,
 * `nckd` (none scaled by τ²) and `teacherTargetProb` = p^T_t, which satisfy
 *
 *   kl = tckd + (1 − teacherTargetProb) · nckd
 *
 * The teacher is a constant (zero gradient); `tckd`, `nckd` and `kl` are differentiable with respect to the student.
 * Runs in `tf.tidy`: only the four returned tensors survive.
 */
export function decomposeKl(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  temperature: number = DKD_LOSS_DEFAULTS.temperature,
): KlDecomposition {
  checkTemperature(temperature);
  checkShapes(studentLogits, teacherLogits, labels);
  return tf.tidy(() => {
    const student = tf.cast(studentLogits, 'float32') as tf.Tensor2D;
    const teacher = stopGradient(tf.cast(teacherLogits, 'float32') as tf.Tensor2D);
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), student.shape[1]) as tf.Tensor2D;
    const r = sampleTerms(student, teacher, onehot, temperature, true);
    return { kl: r.kl!, tckd: r.tckd, nckd: r.nckd, teacherTargetProb: r.teacherTargetProb };
  });
}

/**
 * Decoupled KD loss with its terms:
 *
 *   ce    = CE(z^S, y)                                                   (τ = 1, raw logits, batch mean)
 *   tckd  = τ² · (1/B) Σ_b KL(b^T_b ‖ b^S_b),     b = [p_t, 1 − p_t]
 *   nckd  = τ² · (1/B) Σ_b KL(p̂^T_b ‖ p̂^S_b),    p̂_j = p_j / (1 − p_t), j ≠ t
 *   total = ceWeight · ce + warmupFactor · (α · tckd + β · nckd)
 *
 * with p = softmax(z / τ). Each KL is summed over its entries and averaged over the batch, as mdistiller's
 * `dkd_loss`. p̂ is the softmax of the logits with the target masked (mdistiller's `z/τ − 1000·gt_mask`); the binary
 * log-probabilities are evaluated exactly in the log domain. The teacher's logits are a constant (zero gradient).
 * Runs in `tf.tidy`: only the four returned scalars survive.
 */
export function dkdLossTerms(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: DkdLossOptions = {},
): DkdLossResult {
  const o = completeLossOptions('dkd', DKD_LOSS_DEFAULTS, options, DKD_LOSS_WEIGHTS);
  checkTemperature(o.temperature);
  checkShapes(studentLogits, teacherLogits, labels);
  return tf.tidy(() => {
    const student = tf.cast(studentLogits, 'float32') as tf.Tensor2D;
    const teacher = stopGradient(tf.cast(teacherLogits, 'float32') as tf.Tensor2D);
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), student.shape[1]) as tf.Tensor2D;

    const ce = crossEntropy(student, labels);

    const r = sampleTerms(student, teacher, onehot, o.temperature, false);
    const tau2 = o.temperature * o.temperature;
    const tckd = tf.mul(tf.mean(r.tckd), tau2) as tf.Scalar;
    const nckd = tf.mul(tf.mean(r.nckd), tau2) as tf.Scalar;

    const distill = tf.add(tf.mul(tckd, o.alpha), tf.mul(nckd, o.beta));
    const total = tf.add(tf.mul(ce, o.ceWeight), tf.mul(distill, o.warmupFactor)) as tf.Scalar;
    return { total, ce, tckd, nckd };
  });
}

/**
 * The DKD loss as one scalar tensor (see {@link dkdLossTerms} for the definition and the terms). A pure function of
 * its inputs: differentiate it with `tf.grad`/`tf.variableGrads` with respect to the student.
 */
export function dkdLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: DkdLossOptions = {},
): tf.Scalar {
  return tf.tidy(() => dkdLossTerms(studentLogits, teacherLogits, labels, options).total);
}
