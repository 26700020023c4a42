import * as tf from '@tensorflow/tfjs-core';
import { completeLossOptions, crossEntropy, stopGradient } from '@kd/core';
import { DKD_LOSS_DEFAULTS, decomposeKl } from '@kd/distiller-dkd';

/** How the explicit (target-class) knowledge is transferred; see {@link AektLossOptions.explicitForm}. */
export type AektExplicitForm = 'weightedTCKD' | 'softTargetCE';
export const AEKT_EXPLICIT_FORMS: readonly AektExplicitForm[] = ['weightedTCKD', 'softTargetCE'];

/**
 * Options of the RECONSTRUCTED AEKT loss (Park & Lee 2024; the exact form is not in the sources we could read, see
 * the README). Every field is optional; the weights default to DKD's mdistiller CIFAR-100 values with γ = α.
 */
export interface AektLossOptions {
  /** Weight γ of the explicit (target-class) term. Default 1 (DKD's α). */
  readonly gamma?: number;
  /** Weight β of the implicit term NCKD. Default 8 (DKD's CIFAR-100 β). */
  readonly beta?: number;
  /** Softmax temperature τ > 0 of the distillation terms (both τ²-scaled) and of the ratio r. Default 4. */
  readonly temperature?: number;
  /** Weight of the hard-label cross-entropy on the classification logits (τ = 1). Default 1. */
  readonly ceWeight?: number;
  /** Multiplier of the whole distillation part (the caller's warm-up factor). Default 1. */
  readonly warmupFactor?: number;
  /** [r_min, r_max]: the adaptive ratio r = p^T_t / p^S_t is clipped to this range. Default [0.1, 10]. */
  readonly ratioClip?: readonly [number, number];
  /**
   * `'weightedTCKD'` (default): explicit_b = sg(clip(r_b))·TCKD_b. `'softTargetCE'`: explicit_b =
   * −sg(clip(r_b))·p^T_t·log p^S_t (the soft-target cross-entropy on the target class only).
   */
  readonly explicitForm?: AektExplicitForm;
  /** `true` (default): weight the explicit term by the clipped ratio. `false`: r ≡ 1 (no adaptivity). */
  readonly adaptive?: boolean;
  /**
   * `'batchMean'` (default): divide the clipped ratios by their batch mean, so they redistribute the explicit term's
   * weight between samples while its total stays DKD's (the term is then as stable as DKD's TCKD). `'none'`: the
   * clipped ratio as is, the reconstruction as first written (up to r_max times TCKD: it diverged on the bench).
   */
  readonly ratioNormalization?: AektRatioNormalization;
}

/** See {@link AektLossOptions.ratioNormalization}. */
export type AektRatioNormalization = 'batchMean' | 'none';
export const AEKT_RATIO_NORMALIZATIONS: readonly AektRatioNormalization[] = ['batchMean', 'none'];

/**
 * The loss terms. `ce`, `explicit` and `nckd` are unweighted (τ² included, γ, β, warm-up not):
 * `total = ceWeight·ce + warmupFactor·(γ·explicit + β·nckd)`. `ratioMean` and `clipRate` are diagnostics (no gradient).
 */
export type AektLossResult = {
  readonly total: tf.Scalar;
  /** Mean cross-entropy of the classification logits z^cls with the hard labels. */
  readonly ce: tf.Scalar;
  /** τ²·(1/B)·Σ_b r_b·TCKD_b (or τ²·(1/B)·Σ_b −r_b·p^T_t·log p^S_t), on the distillation logits z^kd. */
  readonly explicit: tf.Scalar;
  /** τ²·(1/B)·Σ_b NCKD_b, on the distillation logits z^kd. */
  readonly nckd: tf.Scalar;
  /** Batch mean of the clipped ratio actually used (1 when `adaptive` is false). */
  readonly ratioMean: tf.Scalar;
  /** Fraction of the batch whose raw ratio fell outside `ratioClip` (0 when `adaptive` is false). */
  readonly clipRate: tf.Scalar;
};

type ResolvedOptions = {
  gamma: number;
  beta: number;
  temperature: number;
  ceWeight: number;
  warmupFactor: number;
  ratioClip: readonly [number, number];
  explicitForm: AektExplicitForm;
  adaptive: boolean;
  ratioNormalization: AektRatioNormalization;
};

export const AEKT_LOSS_DEFAULTS: Readonly<ResolvedOptions> = Object.freeze({
  gamma: DKD_LOSS_DEFAULTS.alpha,
  beta: DKD_LOSS_DEFAULTS.beta,
  temperature: DKD_LOSS_DEFAULTS.temperature,
  ceWeight: DKD_LOSS_DEFAULTS.ceWeight,
  warmupFactor: 1,
  ratioClip: Object.freeze([0.1, 10]) as unknown as readonly [number, number],
  explicitForm: 'weightedTCKD',
  adaptive: true,
  ratioNormalization: 'batchMean',
});

/** log r is capped to ±80 before exp so that float32 never overflows (e^80 ≈ 5.5e34); the clip range is far inside. */
const LOG_RATIO_CAP = 80;

/**
 * Validates and completes loss options. Throws a RangeError naming the option. Exported for the plugin (which
 * checks its options at create time). The loss is published for direct calls without a config, so missing options
 * come from {@link AEKT_LOSS_DEFAULTS} (which the options schema's defaults reference) and the schema's range checks
 * are repeated here; r_min ≤ r_max is checked only here, as JSON Schema cannot compare two items.
 */
export function resolveAektLossOptions(options: AektLossOptions = {}): ResolvedOptions {
  const o = completeLossOptions('aekt', AEKT_LOSS_DEFAULTS, options, {
    atLeastZero: ['gamma', 'beta', 'ceWeight', 'warmupFactor'],
    aboveZero: ['temperature'],
  });
  const clip = o.ratioClip;
  if (
    !Array.isArray(clip) ||
    clip.length !== 2 ||
    !clip.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
    clip[0] < 0 ||
    clip[1] <= 0 ||
    clip[0] > clip[1]
  ) {
    throw new RangeError(
      `aekt loss: ratioClip must be [r_min, r_max] with 0 ≤ r_min ≤ r_max, r_max > 0, both finite; got ${JSON.stringify(clip)}`,
    );
  }
  o.ratioClip = [clip[0], clip[1]];
  if (!AEKT_EXPLICIT_FORMS.includes(o.explicitForm)) {
    throw new RangeError(`aekt loss: explicitForm must be one of ${AEKT_EXPLICIT_FORMS.join(', ')}; got ${JSON.stringify(o.explicitForm)}`);
  }
  if (typeof o.adaptive !== 'boolean') throw new RangeError(`aekt loss: adaptive must be a boolean, got ${JSON.stringify(o.adaptive)}`);
  if (!AEKT_RATIO_NORMALIZATIONS.includes(o.ratioNormalization))
    throw new RangeError(
      `aekt loss: ratioNormalization must be one of ${AEKT_RATIO_NORMALIZATIONS.join(', ')}; got ${JSON.stringify(o.ratioNormalization)}`,
    );
  return o;
}

/** log softmax(z / τ) at the label of each row: `[batch]`. */
function targetLogProb(logits: tf.Tensor2D, onehot: tf.Tensor2D, temperature: number): tf.Tensor1D {
  return tf.sum(tf.mul(onehot, tf.logSoftmax(tf.div(logits, temperature))), 1) as tf.Tensor1D;
}

/**
 * The raw per-sample ratio r = p^T_t / p^S_t at temperature τ on the distillation logits, evaluated in the log domain
 * (exp(log p^T_t − log p^S_t), no division by an underflowed probability). A constant for the gradient: both logits
 * pass through a stop-gradient. `[batch]`; call inside `tf.tidy`.
 */
function rawRatio(kdLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, onehot: tf.Tensor2D, temperature: number): tf.Tensor1D {
  const logPs = targetLogProb(stopGradient(kdLogits), onehot, temperature);
  const logPt = targetLogProb(stopGradient(teacherLogits), onehot, temperature);
  return stopGradient(tf.exp(tf.clipByValue(tf.sub(logPt, logPs), -LOG_RATIO_CAP, LOG_RATIO_CAP)) as tf.Tensor1D);
}

/**
 * The adaptive ratio sg(clip(p^T_t / p^S_t, r_min, r_max)) per sample (`[batch]`, divided by its batch mean under
 * `ratioNormalization: 'batchMean'`), exactly as
 * {@link aektLossTerms} uses it when `adaptive` is true. A constant for the gradient. Runs in `tf.tidy`.
 */
export function aektRatio(
  kdLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: Pick<AektLossOptions, 'temperature' | 'ratioClip' | 'ratioNormalization'> = {},
): tf.Tensor1D {
  const o = resolveAektLossOptions(options);
  checkShapes(kdLogits, kdLogits, teacherLogits, labels);
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), kdLogits.shape[1]) as tf.Tensor2D;
    const r = rawRatio(
      tf.cast(kdLogits, 'float32') as tf.Tensor2D,
      tf.cast(teacherLogits, 'float32') as tf.Tensor2D,
      onehot,
      o.temperature,
    );
    return clippedRatio(r, o);
  });
}

/**
 * Clips the raw ratios to [r_min, r_max] and, under `'batchMean'`, divides them by their batch mean. Only
 * differentiable ops: inside the loss r is on the tape (as a constant); a batch of zero ratios stays zero (0 / ε).
 */
function clippedRatio(raw: tf.Tensor1D, o: Pick<ResolvedOptions, 'ratioClip' | 'ratioNormalization'>): tf.Tensor1D {
  const clipped = tf.clipByValue(raw, o.ratioClip[0], o.ratioClip[1]) as tf.Tensor1D;
  return o.ratioNormalization === 'batchMean' ? (tf.div(clipped, tf.maximum(tf.mean(clipped), 1e-12)) as tf.Tensor1D) : clipped;
}

function checkShapes(cls: tf.Tensor2D, kd: tf.Tensor2D, teacher: tf.Tensor2D, labels: tf.Tensor1D): void {
  const shapes = { clsLogits: cls.shape, kdLogits: kd.shape, teacherLogits: teacher.shape };
  for (const [name, shape] of Object.entries(shapes)) {
    if (shape.length !== 2) throw new Error(`aekt loss: ${name} must be [batch, classes]; got ${JSON.stringify(shape)}`);
  }
  if (!(
    cls.shape[0] === kd.shape[0] &&
    kd.shape[0] === teacher.shape[0] &&
    cls.shape[1] === kd.shape[1] &&
    kd.shape[1] === teacher.shape[1]
  )) {
    throw new Error(`aekt loss: logits differ in shape: ${JSON.stringify(shapes)}`);
  }
  if (labels.rank !== 1 || labels.shape[0] !== cls.shape[0]) {
    throw new Error(`aekt loss: labels must be [${cls.shape[0]}]; got ${JSON.stringify(labels.shape)}`);
  }
  if (cls.shape[1] < 2) throw new RangeError(`aekt loss: needs at least 2 classes, got ${cls.shape[1]}`);
}

/**
 * The RECONSTRUCTED AEKT loss with its terms (see the README for what is and is not from the paper):
 *
 *   ce       = CE(z^cls, y)                                                  (τ = 1, batch mean)
 *   r_b      = sg(clip(p^T_t / p^S_t, r_min, r_max))   on z^kd at τ           (r ≡ 1 when adaptive is false)
 *              divided by its batch mean                                      (ratioNormalization 'batchMean')
 *   explicit = τ² · (1/B) Σ_b r_b · TCKD_b(z^kd, z^T)                         ('weightedTCKD')
 *            = τ² · (1/B) Σ_b −r_b · p^T_t · log p^S_t                          ('softTargetCE')
 *   nckd     = τ² · (1/B) Σ_b NCKD_b(z^kd, z^T)
 *   total    = ceWeight · ce + warmupFactor · (γ · explicit + β · nckd)
 *
 * TCKD and NCKD per sample are `@kd/distiller-dkd`'s `decomposeKl`. `clsLogits` and `kdLogits` are the logits of the
 * classification head and of the distillation head (the task-serialisation layer sits between them, in either order;
 * pass the same tensor twice for no serialisation). The teacher is a constant (zero gradient), and so is r.
 * Runs in `tf.tidy`: only the six returned scalars survive.
 */
export function aektLossTerms(
  clsLogits: tf.Tensor2D,
  kdLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: AektLossOptions = {},
): AektLossResult {
  const o = resolveAektLossOptions(options);
  checkShapes(clsLogits, kdLogits, teacherLogits, labels);
  return tf.tidy(() => {
    const cls = tf.cast(clsLogits, 'float32') as tf.Tensor2D;
    const kd = tf.cast(kdLogits, 'float32') as tf.Tensor2D;
    const teacher = stopGradient(tf.cast(teacherLogits, 'float32') as tf.Tensor2D);
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), cls.shape[1]) as tf.Tensor2D;
    const tau = o.temperature;
    const tau2 = tau * tau;

    // the crossEntropy dkdLossTerms uses, so that AEKT with r ≡ 1 and FC_ser = I reproduces DKD exactly
    const ce = crossEntropy(cls, labels);

    const d = decomposeKl(kd, teacher, labels, tau);
    let ratio: tf.Tensor1D | undefined;
    let ratioMean: tf.Scalar;
    let clipRate: tf.Scalar;
    if (o.adaptive) {
      const raw = rawRatio(kd, teacher, onehot, tau);
      const [rMin, rMax] = o.ratioClip;
      ratio = clippedRatio(raw, o);
      ratioMean = tf.mean(ratio) as tf.Scalar;
      clipRate = tf.mean(tf.cast(tf.logicalOr(tf.less(raw, rMin), tf.greater(raw, rMax)), 'float32')) as tf.Scalar;
    } else {
      ratioMean = tf.scalar(1);
      clipRate = tf.scalar(0);
    }

    let perSample: tf.Tensor1D;
    if (o.explicitForm === 'weightedTCKD') {
      perSample = d.tckd;
    } else {
      // −p^T_t · log p^S_t at temperature τ (p^T_t is a constant: teacher only)
      perSample = tf.neg(tf.mul(d.teacherTargetProb, targetLogProb(kd, onehot, tau))) as tf.Tensor1D;
    }
    const weighted = ratio ? (tf.mul(ratio, perSample) as tf.Tensor1D) : perSample;
    const explicit = tf.mul(tf.mean(weighted), tau2) as tf.Scalar;
    const nckd = tf.mul(tf.mean(d.nckd), tau2) as tf.Scalar;

    const distill = tf.add(tf.mul(explicit, o.gamma), tf.mul(nckd, o.beta));
    const total = tf.add(tf.mul(ce, o.ceWeight), tf.mul(distill, o.warmupFactor)) as tf.Scalar;
    return { total, ce, explicit, nckd, ratioMean, clipRate };
  });
}

/**
 * The AEKT loss as one scalar tensor (see {@link aektLossTerms}). A pure function of its inputs: differentiate it
 * with `tf.grad`/`tf.variableGrads` with respect to the student (and the serialisation layer).
 */
export function aektLoss(
  clsLogits: tf.Tensor2D,
  kdLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: AektLossOptions = {},
): tf.Scalar {
  return tf.tidy(() => aektLossTerms(clsLogits, kdLogits, teacherLogits, labels, options).total);
}
