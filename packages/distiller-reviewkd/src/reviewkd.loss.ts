import * as tf from '@tensorflow/tfjs-core';
import { adaptiveAvgPool2d, adaptiveAvgPool2dAdjoint } from '@kd/core';

/** The pooled sizes of the hierarchical context loss, each taken only when smaller than the map. */
export const HCL_POOL_SIZES = [4, 2, 1] as const;

/**
 * The hierarchical context loss of one level: MSE at full size, plus MSE after adaptive average pooling to 4×4, 2×2 and
 * 1×1 (those smaller than the map's height) with weights 1/2, 1/4, 1/8 in the order taken, divided by the sum of the
 * weights used (1 included). The teacher map is a constant.
 *
 * One gradient node that keeps only the two maps: differentiated op by op, the squared differences and every
 * pooling's transposes of both maps stayed on the tape until the backward pass ended. The gradient, with d = s − t,
 * N the values of a map and P_l the pooling: 2·[d/N + Σ_l w_l·P_lᵀ(P_l s − P_l t)/N_l] / Σ w.
 */
export function hclLevel(student: tf.Tensor4D, teacher: tf.Tensor4D): tf.Scalar {
  if (student.shape.join() !== teacher.shape.join())
    throw new Error(
      `reviewkd: a fused student map ${JSON.stringify(student.shape)} and its teacher map ${JSON.stringify(teacher.shape)} must have one shape`,
    );
  const [, h, w] = student.shape;
  const pools = HCL_POOL_SIZES.filter((l) => l < h);
  const weights = pools.map((_, k) => 2 ** -(k + 1));
  const total = weights.reduce((a, b) => a + b, 1);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const s = args[0] as tf.Tensor4D;
    (args[1] as tf.GradSaveFunc)([s, teacher]);
    let loss = tf.mean(tf.squaredDifference(s, teacher));
    pools.forEach((l, k) => {
      const pooled = tf.mean(tf.squaredDifference(adaptiveAvgPool2d(s, [l, l]), adaptiveAvgPool2d(teacher, [l, l])));
      loss = tf.add(loss, tf.mul(pooled, weights[k]!));
    });
    return {
      value: tf.div(loss, total) as tf.Scalar,
      // The backward pass of a tape runs outside any scope: each term's temporaries are freed as soon as it is added.
      gradFunc: (dy: tf.Scalar, [so, te]: tf.Tensor[]) =>
        tf.tidy(() => {
          let g = tf.tidy(() => tf.div(tf.sub(so!, te!), so!.size));
          pools.forEach((l, k) => {
            const next = tf.tidy(() => {
              const diff = tf.sub(adaptiveAvgPool2d(so as tf.Tensor4D, [l, l]), adaptiveAvgPool2d(te as tf.Tensor4D, [l, l]));
              return tf.add(g, adaptiveAvgPool2dAdjoint(tf.mul(diff, weights[k]! / diff.size) as tf.Tensor4D, [h, w]));
            });
            g.dispose();
            g = next;
          });
          return tf.mul(g, tf.mul(dy, 2 / total));
        }),
    };
  });
  return op(student) as tf.Scalar;
}

/** The sum of {@link hclLevel} over the levels. */
export function hclLoss(students: readonly tf.Tensor4D[], teachers: readonly tf.Tensor4D[]): tf.Scalar {
  if (students.length !== teachers.length) throw new Error(`reviewkd: ${students.length} fused maps for ${teachers.length} teacher maps`);
  return tf.tidy(() => tf.addN(students.map((s, i) => hclLevel(s, teachers[i]!))) as tf.Scalar);
}
