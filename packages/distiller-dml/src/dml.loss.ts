import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, klDivergence, stopGradient } from '@kd/core';

/** One network's DML loss parts: CE with the labels and τ²·mean_b KL(softmax(z_other/τ) ‖ softmax(z_self/τ)). */
export function dmlLossTerms(
  self: tf.Tensor2D,
  other: tf.Tensor2D,
  labels: tf.Tensor1D,
  temperature = 1,
): { ce: tf.Scalar; kl: tf.Scalar } {
  return tf.tidy(() => {
    const ce = crossEntropy(self, labels);
    const kl = tf.mul(
      tf.mean(klDivergence(tf.div(self, temperature), tf.div(stopGradient(other), temperature))),
      temperature * temperature,
    ) as tf.Scalar;
    return { ce, kl };
  });
}
