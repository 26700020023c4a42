import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, softTargetKd, stopGradient, weightedSum, type CeLossResult } from '@kd/core';

export interface FitnetLossOptions {
  /** Weight of the hint term MSE(r(F_S), F_T). mdistiller CIFAR-100: 100. */
  readonly hintWeight?: number;
  /** Weight of the cross-entropy with the labels. mdistiller: 1. */
  readonly ceWeight?: number;
  /** Weight of Hinton's logit term τ²·KL(p^T ‖ p^S); 0 skips it. */
  readonly kdWeight?: number;
  readonly temperature?: number;
}

/** mdistiller's CIFAR-100 FitNet configuration (`CFG.FITNET.LOSS`): FEAT_WEIGHT 100, CE_WEIGHT 1; no logit term. */
export const FITNET_LOSS_DEFAULTS: Required<FitnetLossOptions> = { hintWeight: 100, ceWeight: 1, kdWeight: 0, temperature: 4 };

function check(name: string, value: number, strict = false): void {
  if (!Number.isFinite(value) || (strict ? value <= 0 : value < 0))
    throw new RangeError(`fitnet loss: ${name} must be a finite number ${strict ? '>' : '≥'} 0, got ${value}`);
}

/** F.mse_loss: the mean over every element of (r(F_S) − F_T)²; the teacher's feature is a constant. */
export function hintLoss(regressed: tf.Tensor4D, teacherFeature: tf.Tensor4D): tf.Scalar {
  if (regressed.rank !== 4 || regressed.shape.join() !== teacherFeature.shape.join())
    throw new Error(
      `fitnet loss: the regressed hint ${JSON.stringify(regressed.shape)} and the teacher feature ${JSON.stringify(teacherFeature.shape)} must have one shape`,
    );
  return tf.tidy(() => tf.mean(tf.squaredDifference(regressed, stopGradient(teacherFeature))) as tf.Scalar);
}

/** τ²·mean_b KL(softmax(z_T/τ) ‖ softmax(z_S/τ)) (Hinton's term; the teacher is a constant). */
export function logitKd(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  check('temperature', temperature, true);
  if (studentLogits.shape.join() !== teacherLogits.shape.join())
    throw new Error(
      `fitnet loss: student and teacher logits must have one shape, got ${JSON.stringify(studentLogits.shape)} and ${JSON.stringify(teacherLogits.shape)}`,
    );
  return softTargetKd(studentLogits, teacherLogits, temperature);
}

export interface FitnetLossInputs {
  /** The regressor's output r(F_S), [N, Ht, Wt, Ct]. */
  readonly regressed: tf.Tensor4D;
  readonly teacherFeature: tf.Tensor4D;
  readonly studentLogits: tf.Tensor2D;
  readonly teacherLogits: tf.Tensor2D;
  readonly labels: tf.Tensor1D;
}

/** `hint`: MSE(r(F_S), F_T); `kd`: τ²·KL, present only when kdWeight > 0. */
export type FitnetLossResult = CeLossResult<'hint'> & { readonly kd?: tf.Scalar };

/** total = ceWeight·CE + hintWeight·MSE(r(F_S), F_T) + kdWeight·τ²·KL (mdistiller's FitNet with kdWeight 0). */
export function fitnetLossTerms(inputs: FitnetLossInputs, options: FitnetLossOptions = {}): FitnetLossResult {
  // Published for direct use without a config: missing options come from FITNET_LOSS_DEFAULTS (which the options
  // schema's defaults reference) and the schema's range checks are repeated; the distiller passes validated options.
  const o = { ...FITNET_LOSS_DEFAULTS, ...options };
  check('hintWeight', o.hintWeight);
  check('ceWeight', o.ceWeight);
  check('kdWeight', o.kdWeight);
  check('temperature', o.temperature, true);
  if (inputs.labels.rank !== 1 || inputs.labels.shape[0] !== inputs.studentLogits.shape[0])
    throw new Error(`fitnet loss: labels must be [${inputs.studentLogits.shape[0]}], got ${JSON.stringify(inputs.labels.shape)}`);
  return tf.tidy(() => {
    const hint = hintLoss(inputs.regressed, inputs.teacherFeature);
    const ce = crossEntropy(inputs.studentLogits, inputs.labels);
    const kd = o.kdWeight > 0 ? logitKd(inputs.studentLogits, inputs.teacherLogits, o.temperature) : undefined;
    const total = weightedSum([[ce, o.ceWeight], [hint, o.hintWeight], ...(kd ? [[kd, o.kdWeight] as const] : [])]);
    return { total, ce, hint, ...(kd ? { kd } : {}) };
  });
}
