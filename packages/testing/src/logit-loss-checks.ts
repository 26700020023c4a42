import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** A loss of student and teacher logits and labels, with its options (at least a temperature). */
export type LogitLoss = (student: tf.Tensor2D, teacher: tf.Tensor2D, labels: tf.Tensor1D, options?: { temperature?: number }) => tf.Tensor;

/** The same loss's terms, `total` among them. */
export type LogitLossTerms = (
  student: tf.Tensor2D,
  teacher: tf.Tensor2D,
  labels: tf.Tensor1D,
  options?: { temperature?: number },
) => Readonly<Record<string, tf.Tensor>>;

/** A logit fixture case as the PyTorch scripts write it: row-major logits and integer labels. */
export interface LogitFixtureCase {
  readonly batch: number;
  readonly classes: number;
  readonly studentLogits: readonly (readonly number[])[];
  readonly teacherLogits: readonly (readonly number[])[];
  readonly labels: readonly number[];
}

/** A fixture case's logits and labels as the float32 / int32 tensors a loss receives; the caller disposes them. */
export function logitInputs(c: LogitFixtureCase): { s: tf.Tensor2D; t: tf.Tensor2D; y: tf.Tensor1D } {
  return {
    s: tf.tensor2d(c.studentLogits as number[][], [c.batch, c.classes], 'float32'),
    t: tf.tensor2d(c.teacherLogits as number[][], [c.batch, c.classes], 'float32'),
    y: tf.tensor1d(c.labels as number[], 'int32'),
  };
}

/** Seeded normal logits scaled by `scale`. */
export function randomLogits(batch: number, classes: number, seed: number, scale = 3): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.randomNormal([batch, classes], 0, 1, 'float32', seed), scale) as tf.Tensor2D);
}

/**
 * Trainable teacher logits (a variable, as a teacher network's weights are) get exactly no gradient, while the
 * student's is far from zero: the teacher is a constant of the loss.
 */
export function expectTeacherVariableGetsNoGradient(loss: LogitLoss, scope: string): void {
  tf.tidy(() => {
    const s = tf.variable(randomLogits(4, 10, 5), true, `${scope}-student`);
    const t = tf.variable(randomLogits(4, 10, 6), true, `${scope}-teacher`);
    const y = tf.tensor1d([0, 2, 4, 6], 'int32');
    const { grads } = tf.variableGrads(() => loss(s, t, y) as tf.Scalar, [s, t]);
    expect(tf.max(tf.abs(grads[`${scope}-student`]!)).dataSync()[0]).toBeGreaterThan(1e-3);
    expect(tf.max(tf.abs(grads[`${scope}-teacher`]!)).dataSync()[0]).toBe(0);
    s.dispose();
    t.dispose();
  });
}

/** Float labels give the same loss, to the bit, as the int32 labels they cast to. */
export function expectFloatLabelsCast(loss: LogitLoss): void {
  tf.tidy(() => {
    const s = randomLogits(3, 4, 13);
    const t = randomLogits(3, 4, 14);
    const a = loss(s, t, tf.tensor1d([0, 3, 1], 'int32')).dataSync()[0];
    const b = loss(s, t, tf.tensor1d([0, 3, 1], 'float32')).dataSync()[0];
    expect(b).toBe(a);
  });
}

/** At τ = 1, logits of ±1e4 with student and teacher in disagreement give finite terms and a finite gradient. */
export function expectFiniteForExtremeLogits(terms: LogitLossTerms, loss: LogitLoss): void {
  tf.tidy(() => {
    const s = tf.tensor2d([
      [1e4, -1e4, 0],
      [-1e4, 1e4, 5],
    ]);
    const t = tf.tensor2d([
      [-1e4, 1e4, 0],
      [1e4, -1e4, -5],
    ]);
    const y = tf.tensor1d([0, 1], 'int32');
    for (const [name, x] of Object.entries(terms(s, t, y, { temperature: 1 }))) expect(Number.isFinite(x.dataSync()[0]), name).toBe(true);
    const g = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor2D, t, y, { temperature: 1 }))(s);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
  });
}

/** A temperature that is not positive, teacher logits of another shape and labels of another batch are refused by name. */
export function expectRejectsBadTemperatureAndShapes(loss: LogitLoss): void {
  tf.tidy(() => {
    const s = randomLogits(2, 3, 15);
    const y = tf.tensor1d([0, 1], 'int32');
    expect(() => loss(s, s, y, { temperature: 0 })).toThrow(/temperature/);
    expect(() => loss(s, s, y, { temperature: Number.NaN })).toThrow(/temperature/);
    expect(() => loss(s, randomLogits(2, 4, 16), y)).toThrow(/shape/);
    expect(() => loss(s, s, tf.tensor1d([0, 1, 2], 'int32'))).toThrow(/labels/);
  });
}

/** Seeded uniform labels in [0, classes). */
export function randomLabels(batch: number, classes: number, seed: number): tf.Tensor1D {
  return tf.randomUniformInt([batch], 0, classes, seed) as tf.Tensor1D;
}

/**
 * Teacher logits confident in the label for every other row (its logit raised by 12, so p^T_t is close to 1), as a
 * trained teacher's are: the regime where the target and non-target parts of a decoupled loss differ most.
 */
export function confidentTeacher(labels: tf.Tensor1D, classes: number, seed: number, scale = 3): tf.Tensor2D {
  return tf.tidy(() => {
    const batch = labels.shape[0];
    const boost = tf.mul(
      tf.oneHot(labels, classes),
      tf.reshape(tf.tensor1d(Array.from({ length: batch }, (_, i) => (i % 2 ? 12 : 0))), [batch, 1]),
    );
    return tf.add(randomLogits(batch, classes, seed, scale), boost) as tf.Tensor2D;
  });
}
