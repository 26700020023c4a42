import * as tf from '@tensorflow/tfjs-core';
import { klDivergence } from './kl-divergence.js';
import { stopGradient } from './stop-gradient.js';

/**
 * Hinton's soft-target term as the feature methods add it beside their own loss: τ² · mean over the batch of
 * KL(softmax(z_T/τ) ‖ softmax(z_S/τ)), the teacher side a constant. The τ² keeps its gradient's scale independent of τ.
 */
export function softTargetKd(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  const t = temperature;
  return tf.tidy(() => tf.mul(tf.mean(klDivergence(tf.div(studentLogits, t), stopGradient(tf.div(teacherLogits, t)))), t * t) as tf.Scalar);
}
