import * as tf from '@tensorflow/tfjs-core';
import { checkLogitPair, completeLossOptions, crossEntropy, klDivergence, stopGradient } from '@kd/core';

/**
 * Options of the classic knowledge-distillation loss (Hinton, Vinyals, Dean 2015). Every field is optional; the
 * defaults are the CIFAR-100 benchmark settings of CRD/RepDistiller and mdistiller (w_ce 0.1, w_kd 0.9, τ 4).
 */
export interface KdLossOptions {
  /** Weight of the hard-label cross-entropy (at τ = 1). Default 0.1. */
  readonly ceWeight?: number;
  /** Weight of the distillation term. Default 0.9. */
  readonly kdWeight?: number;
  /** Softmax temperature τ > 0 shared by teacher and student. Default 4. */
  readonly temperature?: number;
  /** Multiply the KL term by τ² so its gradients keep their magnitude as τ changes (Hinton §2). Default true. */
  readonly scaleByTemperatureSquared?: boolean;
  /**
   * Logit standardisation (Sun et al., CVPR 2024, "Logit Standardization in Knowledge Distillation",
   * arXiv 2403.01427): before dividing by τ, each sample's logits (teacher and student alike) are replaced by
   * their z-score `(z − mean(z)) / (std(z) + 1e-7)`, with the unbiased (n − 1) standard deviation over the classes,
   * as in the authors' code. Only the KD term uses standardised logits; the cross-entropy keeps the raw ones.
   * The gradient flows through the student's standardisation. Needs at least 2 classes. Default false.
   */
  readonly standardizeLogits?: boolean;
}

/** The loss terms: `ce` and `kd` are unweighted; `total = ceWeight·ce + kdWeight·kd`. */
export type KdLossResult = {
  readonly total: tf.Scalar;
  /** Mean cross-entropy of the student's raw logits with the hard labels. */
  readonly ce: tf.Scalar;
  /** τ²·KL(p_T ‖ p_S) summed over classes and averaged over the batch (KL alone without τ² scaling). */
  readonly kd: tf.Scalar;
};

export const KD_LOSS_DEFAULTS: Readonly<Required<KdLossOptions>> = Object.freeze({
  ceWeight: 0.1,
  kdWeight: 0.9,
  temperature: 4,
  scaleByTemperatureSquared: true,
  standardizeLogits: false,
});

/** The ε of logit standardisation, added to the standard deviation (value of the official LS-KD code). */
export const LOGIT_STANDARDIZATION_EPS = 1e-7;

/**
 * Per-sample z-score of logits over the class axis: `(z − mean(z)) / (std(z) + eps)` with the unbiased standard
 * deviation (Sun et al. 2024). Differentiable; for constant logits it returns zeros with a finite gradient.
 */
export function standardizeLogits(logits: tf.Tensor2D, eps: number = LOGIT_STANDARDIZATION_EPS): tf.Tensor2D {
  const classes = logits.shape[1];
  if (classes < 2) throw new RangeError(`standardizeLogits needs at least 2 classes, got ${classes}`);
  return tf.tidy(() => {
    const centred = tf.sub(logits, tf.mean(logits, 1, true));
    const variance = tf.div(tf.sum(tf.square(centred), 1, true), classes - 1);
    // The floor keeps the gradient finite for constant logits (sqrt′(0) = ∞); it is far below eps, so the value
    // is unchanged.
    const std = tf.sqrt(tf.maximum(variance, 1e-24));
    return tf.div(centred, tf.add(std, eps)) as tf.Tensor2D;
  });
}

/**
 * `kdLoss`/`kdLossTerms` are published for direct use without a config, so they complete missing options from
 * {@link KD_LOSS_DEFAULTS} (the same constant the options schema's defaults reference) and repeat the schema's range
 * checks with these bounds; the plugin passes options ajv has already completed and checked.
 */
const KD_LOSS_BOUNDS = { atLeastZero: ['ceWeight', 'kdWeight'], aboveZero: ['temperature'] } as const;

/**
 * Classic KD loss with its terms:
 *
 *   total = ceWeight · CE(z_S, y) + kdWeight · τ² · (1/B) Σ_b KL(softmax(z_T/τ) ‖ softmax(z_S/τ))
 *
 * KL is summed over classes and averaged over the batch ("batchmean", as mdistiller and RepDistiller). The student
 * uses `logSoftmax` (never `log(softmax)`); the teacher's logits are a constant (zero gradient). With
 * `standardizeLogits` both nets' logits are z-scored per sample before dividing by τ. Runs in `tf.tidy`: only the
 * three returned scalars survive.
 */
export function kdLossTerms(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: KdLossOptions = {},
): KdLossResult {
  const o = completeLossOptions('kd', KD_LOSS_DEFAULTS, options, KD_LOSS_BOUNDS);
  checkLogitPair('kd', studentLogits, teacherLogits, labels);
  const classes = studentLogits.shape[1];
  if (o.standardizeLogits && classes < 2) throw new RangeError(`kd loss: standardizeLogits needs at least 2 classes, got ${classes}`);
  return tf.tidy(() => {
    const student = tf.cast(studentLogits, 'float32') as tf.Tensor2D;
    const teacher = stopGradient(tf.cast(teacherLogits, 'float32') as tf.Tensor2D);

    // Hard-label cross-entropy at τ = 1 on the raw student logits.
    const ce = crossEntropy(student, labels);

    // Soft term: KL(p_T ‖ p_S) per sample, averaged over the batch.
    const zs = o.standardizeLogits ? standardizeLogits(student) : student;
    const zt = o.standardizeLogits ? standardizeLogits(teacher) : teacher;
    const kl = tf.mean(klDivergence(tf.div(zs, o.temperature), tf.div(zt, o.temperature))) as tf.Scalar;
    const kd = (o.scaleByTemperatureSquared ? tf.mul(kl, o.temperature * o.temperature) : kl) as tf.Scalar;

    const total = tf.add(tf.mul(ce, o.ceWeight), tf.mul(kd, o.kdWeight)) as tf.Scalar;
    return { total, ce, kd };
  });
}

/**
 * The classic KD loss as one scalar tensor (see {@link kdLossTerms} for the definition and the terms). A pure
 * function of its inputs: differentiate it with `tf.grad`/`tf.variableGrads` with respect to the student.
 */
export function kdLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: KdLossOptions = {},
): tf.Scalar {
  return tf.tidy(() => kdLossTerms(studentLogits, teacherLogits, labels, options).total);
}
