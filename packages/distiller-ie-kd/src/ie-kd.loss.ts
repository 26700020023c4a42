import * as tf from '@tensorflow/tfjs-core';
import { klDivergence } from '@kd/core';
import { absoluteCosine, factorTransferLoss, type DistanceForm } from '@kd/distiller-ft';
import type { ExplorationLoss } from './ie-kd.options.js';

/** Inheritance loss: the FT distance mean|n(F_inh) − n(F_T)|^p, pulling the inheritance factors towards the teacher's. */
export function inheritanceLoss(inheritance: tf.Tensor, teacher: tf.Tensor, p: 1 | 2 = 1, form: DistanceForm = 'root'): tf.Scalar {
  return factorTransferLoss(inheritance, teacher, p, form);
}

/**
 * Exploration loss, minimised to push the exploration factors away from the teacher's: "distance" is the negated FT
 * distance −mean|n(F_exp) − n(F_T)|^p (reference NormLoss(negative=True)); "cosine" is mean_b |cos(F_exp, F_T)|
 * (reference CosLoss).
 */
export function explorationLoss(
  exploration: tf.Tensor,
  teacher: tf.Tensor,
  kind: ExplorationLoss = 'distance',
  p: 1 | 2 = 1,
  form: DistanceForm = 'root',
): tf.Scalar {
  if (kind === 'cosine') return absoluteCosine(exploration, teacher);
  return tf.tidy(() => tf.neg(factorTransferLoss(exploration, teacher, p, form)));
}

/** τ²·mean_b KL(softmax(z_T/τ) ‖ softmax(z_S/τ)), the optional KD part of the goal loss. */
export function kdTerm(student: tf.Tensor2D, teacher: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() =>
    tf.mul(tf.mean(klDivergence(tf.div(student, temperature), tf.div(teacher, temperature))), temperature * temperature),
  );
}
