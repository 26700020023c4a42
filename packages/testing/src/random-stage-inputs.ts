import * as tf from '@tensorflow/tfjs-core';

type Shape4 = [number, number, number, number];

/**
 * Seeded standard-normal inputs for a one-stage feature loss: student features `s`, teacher features `t` (seeds
 * `seed`, `seed + 1`), student logits `z` of `numClasses` (seed `seed + 2`) and the int32 `labels` as `y`.
 */
export function randomStageInputs(student: Shape4, teacher: Shape4, numClasses: number, labels: number[], seed: number) {
  return {
    s: tf.randomNormal(student, 0, 1, 'float32', seed) as tf.Tensor4D,
    t: tf.randomNormal(teacher, 0, 1, 'float32', seed + 1) as tf.Tensor4D,
    z: tf.randomNormal([student[0], numClasses], 0, 1, 'float32', seed + 2) as tf.Tensor2D,
    y: tf.tensor1d(labels, 'int32'),
  };
}
