import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, klDivergence, KdInputError, type Network } from '@kd/core';
import type { Connector } from './connector.js';
import { featureMse } from './feature-loss.js';
import type { LocalModule } from './module-plan.js';
import { ndamLoss, ndamWeights, type NdamSettings } from './ndam.js';
import type { HardLoss, LakdOptions, NdamMode } from './lakd.options.js';
import type { TeacherSource } from './teacher-pass.js';

/** The resolved weights and switches of the objective. */
export interface ObjectiveSettings {
  readonly alpha: number;
  readonly attentionWeight: number;
  readonly beta: number;
  readonly ndamMode: NdamMode;
  readonly ndam: NdamSettings;
  readonly lastFeatureLoss: boolean;
  readonly hardLoss: HardLoss;
  readonly kdWeight: number;
  readonly temperature: number;
}

/** The objective's settings from validated options: the attention weight defaults to 1 − α as in the paper's total loss. */
export function objectiveSettings(o: LakdOptions): ObjectiveSettings {
  return {
    alpha: o.alpha,
    attentionWeight: o.attentionWeight ?? 1 - o.alpha,
    beta: o.beta,
    ndamMode: o.ndam.mode,
    ndam: o.ndam,
    lastFeatureLoss: o.lastFeatureLoss,
    hardLoss: o.hardLoss,
    kdWeight: o.kdWeight,
    temperature: o.temperature,
  };
}

/** What one module's forward pass gives: its output (the next module's input) and every feature it produced. */
export interface ModuleForward {
  readonly output: tf.Tensor;
  readonly features: Readonly<Record<string, tf.Tensor>>;
  readonly logits?: tf.Tensor2D;
}

/** Runs the stages of one module (and the head, for the last) from `input`. */
export function forwardModule(student: Network, module: LocalModule, input: tf.Tensor, training: boolean): ModuleForward {
  if (!student.applyStage || !student.applyHead) {
    throw new KdInputError(`/student/backbone: ${student.spec.name} cannot run stage by stage (no applyStage/applyHead), which LAKD needs`);
  }
  const features: Record<string, tf.Tensor> = {};
  let h = input;
  for (const i of module.stages) {
    const out = student.applyStage(i, h, { training });
    Object.assign(features, out);
    h = out[student.stages[i]!.name]!;
  }
  if (!module.last) return { output: h, features };
  const head = student.applyHead(h, { training });
  Object.assign(features, head.features);
  return { output: head.logits, features, logits: head.logits };
}

/** Average-pools the larger of two NHWC maps down to the smaller's size (RepDistiller's convention). */
export function matchSpatial(a: tf.Tensor4D, b: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const pool = (big: tf.Tensor4D, small: tf.Tensor4D): tf.Tensor4D => {
    const [, hb, wb] = big.shape;
    const [, hs, ws] = small.shape;
    if (hb % hs !== 0 || wb % ws !== 0) {
      throw new KdInputError(
        `/distiller/teacherStages: feature maps of ${hb}×${wb} and ${hs}×${ws} cannot be matched by pooling; pick stages whose sizes divide`,
      );
    }
    return tf.avgPool(big, [hb / hs, wb / ws], [hb / hs, wb / ws], 'valid');
  };
  const [ha, wa] = [a.shape[1], a.shape[2]];
  const [hb, wb] = [b.shape[1], b.shape[2]];
  if (ha === hb && wa === wb) return [a, b];
  return ha * wa > hb * wb ? [pool(a, b), b] : [a, pool(b, a)];
}

export interface ModuleLoss {
  readonly total: tf.Scalar;
  readonly terms: Record<string, tf.Scalar>;
}

/**
 * One module's local objective (§5.2 step 5): β·L_lf + w_att·L_att, and for the last module α·L_h (+ β·L_lf when
 * `lastFeatureLoss`). The teacher source must have computed this module's feature before the module's gradient tape
 * opened (see {@link localStep}), so no teacher computation is recorded on it.
 */
export function moduleLoss(
  module: LocalModule,
  forward: ModuleForward,
  teacher: TeacherSource,
  labels: tf.Tensor1D,
  connector: Connector | undefined,
  s: ObjectiveSettings,
): ModuleLoss {
  const prefix = `m${module.index + 1}`;
  const fS = forward.features[module.studentFeature] as tf.Tensor4D | undefined;
  const fT = teacher.feature(module.teacherFeature) as tf.Tensor4D | undefined;
  if (!fS)
    throw new KdInputError(
      `/distiller/feature: the student has no feature ${JSON.stringify(module.studentFeature)} (it exposes ${Object.keys(forward.features).join(', ')})`,
    );
  if (!fT)
    throw new KdInputError(
      `/distiller/teacherStages: the teacher has no feature ${JSON.stringify(module.teacherFeature)} (it exposes ${teacher.featureNames().join(', ')})`,
    );
  const terms: Record<string, tf.Scalar> = {};
  let total = tf.scalar(0);
  const useFeature = module.last ? s.lastFeatureLoss : true;
  if (useFeature && s.beta > 0) {
    const mapped = connector ? connector.apply(fS, true) : fS;
    if (mapped.shape[3] !== fT.shape[3]) {
      throw new KdInputError(
        `/distiller/connector: module ${module.index + 1} maps ${mapped.shape[3]} student channels onto ${fT.shape[3]} teacher channels; use connector "auto" or "always"`,
      );
    }
    const [ms, mt] = matchSpatial(mapped, fT);
    const weights = s.ndamMode === 'weight' || s.ndamMode === 'both' ? ndamWeights(mt, s.ndam) : undefined;
    terms[`${prefix}.feature`] = featureMse(ms, mt, weights);
    total = tf.add(total, tf.mul(terms[`${prefix}.feature`]!, s.beta));
  }
  if ((s.ndamMode === 'loss' || s.ndamMode === 'both') && s.attentionWeight > 0) {
    const [as, at] = matchSpatial(fS, fT);
    terms[`${prefix}.attention`] = ndamLoss(as, at, s.ndam);
    total = tf.add(total, tf.mul(terms[`${prefix}.attention`]!, s.attentionWeight));
  }
  if (module.last && forward.logits) {
    let hard = crossEntropy(forward.logits, labels);
    terms['ce'] = hard;
    if (s.hardLoss === 'ce+kd') {
      const t = s.temperature;
      const kd = tf.mul(tf.mean(klDivergence(tf.div(forward.logits, t), tf.div(teacher.logits(), t))), t * t) as tf.Scalar;
      terms['kd'] = kd;
      hard = tf.add(hard, tf.mul(kd, s.kdWeight));
    }
    total = tf.add(total, tf.mul(hard, s.alpha));
  }
  terms[`${prefix}.total`] = total as tf.Scalar;
  return { total: total as tf.Scalar, terms };
}

/** Whether a module's objective has any term with a non-zero weight (a zero objective has no gradient to take). */
export function hasObjective(module: LocalModule, s: ObjectiveSettings): boolean {
  const feature = (module.last ? s.lastFeatureLoss : true) && s.beta > 0;
  const attention = (s.ndamMode === 'loss' || s.ndamMode === 'both') && s.attentionWeight > 0;
  return feature || attention || (module.last && s.alpha > 0);
}
