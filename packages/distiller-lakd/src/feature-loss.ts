import * as tf from '@tensorflow/tfjs-core';

/**
 * L_lf = mean over elements of w·(F_S − F_T)², w broadcast over channels (1 without weights), with its gradient
 * 2·w·(F_S − F_T)/N written by hand. The teacher side is constant, so only the student gets a gradient; autodiff of the
 * same expression would keep (F_S − F_T)², w·(F_S − F_T)² and four gradient-sized temporaries of the largest stage alive
 * until the module's backward pass ends, which is where LAKD's step peaks. Here the forward keeps nothing and the
 * backward one tensor.
 */
export function featureMse(student: tf.Tensor4D, teacher: tf.Tensor4D, weights?: tf.Tensor4D): tf.Scalar {
  const scale = 2 / student.size;
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const s = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([s]);
    return {
      value: tf.tidy(() => {
        const sq = tf.squaredDifference(s, teacher);
        return tf.mean(weights ? tf.mul(sq, weights) : sq);
      }),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        tf.tidy(() => {
          const k = tf.mul(dy, scale);
          return tf.mul(tf.sub(saved!, teacher), weights ? tf.mul(weights, k) : k);
        }),
    };
  }) as (s: tf.Tensor4D) => tf.Scalar;
  return loss(student);
}
