import * as tf from '@tensorflow/tfjs-core';
import { adaptiveAvgPool2d, stopGradient } from '@kd/core';

/** The pooled sizes of the hierarchical context loss, each taken only when smaller than the map. */
export const HCL_POOL_SIZES = [4, 2, 1] as const;

/**
 * The hierarchical context loss of one level: MSE at full size, plus MSE after adaptive average pooling to 4×4, 2×2 and
 * 1×1 (those smaller than the map's height) with weights 1/2, 1/4, 1/8 in the order taken, divided by the sum of the
 * weights used (1 included). The teacher map is a constant.
 */
export function hclLevel(student: tf.Tensor4D, teacher: tf.Tensor4D): tf.Scalar {
  if (student.shape.join() !== teacher.shape.join())
    throw new Error(
      `reviewkd: a fused student map ${JSON.stringify(student.shape)} and its teacher map ${JSON.stringify(teacher.shape)} must have one shape`,
    );
  return tf.tidy(() => {
    const t = stopGradient(teacher);
    const h = student.shape[1];
    let loss = tf.mean(tf.squaredDifference(student, t));
    let weight = 1;
    let total = 1;
    for (const l of HCL_POOL_SIZES) {
      if (l >= h) continue;
      weight /= 2;
      const pooled = tf.mean(tf.squaredDifference(adaptiveAvgPool2d(student, [l, l]), adaptiveAvgPool2d(t, [l, l])));
      loss = tf.add(loss, tf.mul(pooled, weight));
      total += weight;
    }
    return tf.div(loss, total) as tf.Scalar;
  });
}

/** The sum of {@link hclLevel} over the levels. */
export function hclLoss(students: readonly tf.Tensor4D[], teachers: readonly tf.Tensor4D[]): tf.Scalar {
  if (students.length !== teachers.length) throw new Error(`reviewkd: ${students.length} fused maps for ${teachers.length} teacher maps`);
  return tf.tidy(() => tf.addN(students.map((s, i) => hclLevel(s, teachers[i]!))) as tf.Scalar);
}
