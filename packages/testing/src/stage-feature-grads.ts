import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { BackendChecks } from './describe-on-backends.js';
import type { StageFeatureCase } from './fixture-cases.js';

/** What a feature-distillation loss reads, built from a fixture case. */
export interface StageFeatureInputs {
  readonly studentFeatures: tf.Tensor4D[];
  readonly teacherFeatures: tf.Tensor4D[];
  readonly studentLogits: tf.Tensor2D;
  readonly labels: tf.Tensor1D;
}

/**
 * Differentiates `total` with respect to every student feature map and the student logits of a fixture case, and
 * checks each gradient is finite and equals the reference's. With `teacherGetsNone` the teacher features are
 * differentiated too and must get exactly zero: the loss must not train the teacher.
 */
export function expectStageFeatureGradients(
  b: BackendChecks,
  c: StageFeatureCase<unknown, unknown>,
  total: (inputs: StageFeatureInputs) => tf.Scalar,
  teacherGetsNone = false,
): void {
  tf.tidy(() => {
    const ft = c.teacherFeatures.map((f) => tf.tensor4d(f));
    const labels = tf.tensor1d(c.labels, 'int32');
    const n = c.studentFeatures.length;
    const grads = tf.grads((...xs: tf.Tensor[]) =>
      total({
        studentFeatures: xs.slice(0, n) as tf.Tensor4D[],
        teacherFeatures: teacherGetsNone ? (xs.slice(n + 1) as tf.Tensor4D[]) : ft,
        studentLogits: xs[n] as tf.Tensor2D,
        labels,
      }),
    )([...c.studentFeatures.map((f) => tf.tensor4d(f)), tf.tensor2d(c.studentLogits), ...(teacherGetsNone ? ft : [])]);
    c.expected.gradStudentFeatures.forEach((g, i) => {
      expect(Array.from(grads[i]!.dataSync()).every(Number.isFinite)).toBe(true);
      b.gradient(grads[i]!.dataSync(), g.flat(3), `feature ${i}`);
    });
    b.gradient(grads[n]!.dataSync(), c.expected.gradStudentLogits.flat(), 'logits');
    expect(grads).toHaveLength(teacherGetsNone ? n + 1 + ft.length : n + 1);
    for (const g of grads.slice(n + 1)) expect(tf.max(tf.abs(g)).dataSync()[0]).toBe(0);
  });
}
