import * as tf from '@tensorflow/tfjs-core';
import {
  adaptiveAvgPool2d,
  crossEntropy,
  softTargetKd,
  stopGradient,
  weightedSum,
  type CeLossResult,
  type StagePairLossInputs,
} from '@kd/core';

import { attentionMap } from './attention-map.js';

export interface AtLossOptions {
  /** Weight β of the attention term (summed over stages). mdistiller CIFAR-100: 1000. */
  readonly beta?: number;
  /** Exponent p of the attention map mean_c |F|^p. */
  readonly p?: number;
  /** Weight of the cross-entropy with the labels. */
  readonly ceWeight?: number;
  /** Weight of Hinton's logit term τ²·KL(p^T ‖ p^S); 0 (mdistiller's AT) skips it. */
  readonly kdWeight?: number;
  /** Temperature τ of the logit term. */
  readonly temperature?: number;
}

/** mdistiller's CIFAR-100 AT configuration (`CFG.AT`): P 2, FEAT_WEIGHT 1000, CE_WEIGHT 1; no logit term. */
export const AT_LOSS_DEFAULTS: Required<AtLossOptions> = { beta: 1000, p: 2, ceWeight: 1, kdWeight: 0, temperature: 4 };

function check(name: string, value: number, min: number, strict = false): void {
  if (!Number.isFinite(value) || (strict ? value <= min : value < min))
    throw new RangeError(`at loss: ${name} must be a finite number ${strict ? '>' : '≥'} ${min}, got ${value}`);
}

/**
 * One stage's attention-transfer loss: mean over batch and positions of (Q_S − Q_T)², the maps L2-normalised per
 * sample. When the spatial sizes differ, each map is adaptive-average-pooled to (min H, min W) before the maps are
 * taken (mdistiller pools the larger feature the same way). Channel counts may differ.
 */
export function atStageLoss(studentFeature: tf.Tensor4D, teacherFeature: tf.Tensor4D, p = AT_LOSS_DEFAULTS.p): tf.Scalar {
  const [bs, hs, ws] = studentFeature.shape;
  const [bt, ht, wt] = teacherFeature.shape;
  if (studentFeature.rank !== 4 || teacherFeature.rank !== 4 || bs !== bt) {
    throw new Error(
      `at loss: expected NHWC features with one batch size, got student ${JSON.stringify(studentFeature.shape)} and teacher ${JSON.stringify(teacherFeature.shape)}`,
    );
  }
  return tf.tidy(() => {
    const size = [Math.min(hs, ht), Math.min(ws, wt)] as const;
    const qs = attentionMap(adaptiveAvgPool2d(studentFeature, size), p);
    const qt = attentionMap(adaptiveAvgPool2d(teacherFeature, size), p);
    return tf.mean(tf.square(tf.sub(qs, qt))) as tf.Scalar;
  });
}

/** Σ over the paired stages of {@link atStageLoss} (unweighted). */
export function atLoss(
  studentFeatures: readonly tf.Tensor4D[],
  teacherFeatures: readonly tf.Tensor4D[],
  p = AT_LOSS_DEFAULTS.p,
): tf.Scalar {
  if (studentFeatures.length !== teacherFeatures.length || studentFeatures.length === 0) {
    throw new Error(
      `at loss: expected as many student as teacher features (≥ 1), got ${studentFeatures.length} and ${teacherFeatures.length}`,
    );
  }
  return tf.tidy(() => tf.addN(studentFeatures.map((s, i) => atStageLoss(s, teacherFeatures[i]!, p))) as tf.Scalar);
}

export interface AtLossInputs extends StagePairLossInputs {
  readonly teacherLogits: tf.Tensor2D;
}

/** `at`: Σ_stages mean (Q_S − Q_T)²; `kd`: τ²·mean_b KL(p^T ‖ p^S), present only when kdWeight > 0. */
export type AtLossResult = CeLossResult<'at'> & { readonly kd?: tf.Scalar };

/** total = ceWeight·CE + β·Σ_stages AT + kdWeight·τ²·KL. The teacher's tensors are constants (zero gradient). */
export function atLossTerms(inputs: AtLossInputs, options: AtLossOptions = {}): AtLossResult {
  // Published for direct use without a config: missing options come from AT_LOSS_DEFAULTS (which the options schema's
  // defaults reference) and the schema's range checks are repeated; the distiller passes validated, complete options.
  const o = { ...AT_LOSS_DEFAULTS, ...options };
  check('beta', o.beta, 0);
  check('p', o.p, 1);
  check('ceWeight', o.ceWeight, 0);
  check('kdWeight', o.kdWeight, 0);
  check('temperature', o.temperature, 0, true);
  const { studentLogits: zs, teacherLogits: zt, labels } = inputs;
  if (zs.rank !== 2 || zt.rank !== 2 || zs.shape[0] !== zt.shape[0] || zs.shape[1] !== zt.shape[1])
    throw new Error(
      `at loss: student and teacher logits must have one shape [batch, classes], got ${JSON.stringify(zs.shape)} and ${JSON.stringify(zt.shape)}`,
    );
  if (labels.rank !== 1 || labels.shape[0] !== zs.shape[0])
    throw new Error(`at loss: labels must be [${zs.shape[0]}], got ${JSON.stringify(labels.shape)}`);
  return tf.tidy(() => {
    const teacherFeatures = inputs.teacherFeatures.map((t) => stopGradient(t));
    const at = atLoss(inputs.studentFeatures, teacherFeatures, o.p);
    const ce = crossEntropy(zs, labels);
    const kd = o.kdWeight > 0 ? softTargetKd(zs, zt, o.temperature) : undefined;
    const total = weightedSum([[ce, o.ceWeight], [at, o.beta], ...(kd ? [[kd, o.kdWeight] as const] : [])]);
    return { total, ce, at, ...(kd ? { kd } : {}) };
  });
}
