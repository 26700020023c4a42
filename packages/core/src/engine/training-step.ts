import * as tf from '@tensorflow/tfjs-core';
import type { Distiller, LossTerms, StepInfo } from '../contracts/distiller.js';
import type { Network, NetworkOutput } from '../contracts/network.js';
import { crossEntropy } from './losses.js';
import type { Optimizer } from './optimizer.js';

/** What one training step works on. */
export interface StepParts {
  readonly student: Network;
  readonly teacher?: Network | undefined;
  readonly distiller?: Distiller | undefined;
  readonly numClasses: number;
  /** The teacher's inference-mode forward pass, when it is not `teacher.apply` itself (a cache). */
  readonly teacherForward?: ((x: tf.Tensor4D) => NetworkOutput) | undefined;
}

export interface StepResult {
  /** Every loss term of the step, read back to numbers (`total` first). */
  readonly losses: Record<string, number>;
  /**
   * The gradients the update used, by variable name, when asked for (`keepGradients`); the caller disposes them.
   * Absent for distillers that own their update (`trainStep`): they apply several gradient sets of their own.
   */
  readonly gradients?: Map<string, tf.Tensor>;
  /** The distiller's extra scalars of the step (`LossTerms.scalars`), read back to numbers; absent when none. */
  readonly scalars?: Record<string, number>;
  /**
   * How many of the batch's training-mode predictions (argmax of the student's logits) were right; absent for a
   * distiller that owns its update and does not return the student's logits.
   */
  readonly correct?: number;
}

/**
 * Reads a step's scalars with one device read: every `dataSync` waits for the backend (and on a GPU copies back),
 * so the terms, the scalars and the right-prediction count go out flattened into one float32 vector. Counts stay
 * exact (they are far below 2^24); a tensor of more than one value contributes its first, as a lone read did.
 */
function readAll(groups: Record<string, Record<string, tf.Tensor | number>>): Record<string, Record<string, number>> {
  const tensors: tf.Tensor[] = [];
  for (const group of Object.values(groups)) for (const v of Object.values(group)) if (typeof v !== 'number') tensors.push(v);
  const flat = tensors.length
    ? tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(tf.cast(t, 'float32'), [-1])))).dataSync()
    : new Float32Array(0);
  const out: Record<string, Record<string, number>> = {};
  let offset = 0;
  let i = 0;
  for (const [name, group] of Object.entries(groups)) {
    out[name] = {};
    for (const [k, v] of Object.entries(group)) {
      if (typeof v === 'number') out[name][k] = v;
      else {
        out[name][k] = flat[offset]!;
        offset += tensors[i++]!.size;
      }
    }
  }
  return out;
}

function readStep(terms: LossTerms, correct?: tf.Tensor): Omit<StepResult, 'gradients'> {
  const hasScalars = !!terms.scalars && Object.keys(terms.scalars).length > 0;
  const read = readAll({
    losses: { total: terms.total, ...terms.terms },
    scalars: hasScalars ? terms.scalars! : {},
    correct: correct ? { correct } : {},
  });
  return {
    losses: read['losses']!,
    ...(hasScalars ? { scalars: read['scalars']! } : {}),
    ...(correct ? { correct: read['correct']!['correct']! } : {}),
  };
}

/** Right predictions of a batch: a count, kept out of the gradient (an integer result of argmax). */
function countCorrect(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'int32'));
}

/**
 * One optimisation step, the one the trainer runs: the teacher's forward pass in inference mode (when the distiller
 * uses it), the student's in training mode inside `tf.variableGrads`, the distiller's loss (cross-entropy without
 * one) and one update of `vars` — or the distiller's own `trainStep`. Everything it allocates is freed; only
 * variables change.
 */
export function trainingStep(
  parts: StepParts,
  batch: { readonly x: tf.Tensor4D; readonly y: tf.Tensor1D; readonly index?: Int32Array | undefined },
  vars: readonly tf.Variable[],
  optimizer: Optimizer,
  info: StepInfo,
  keepGradients = false,
): StepResult {
  const { student, teacher, distiller, numClasses } = parts;
  const { x, y } = batch;
  const sampleIndex = batch.index ? { sampleIndex: batch.index } : {};
  // tf.tidy returns tensor containers only: the result leaves through this variable, its gradients kept explicitly.
  let result: StepResult = { losses: {} };
  if (distiller?.trainStep) {
    tf.tidy(() => {
      const terms = distiller.trainStep!({
        ...info,
        ...sampleIndex,
        x,
        labels: y,
        student,
        ...(teacher ? { teacher } : {}),
        numClasses,
        optimizer,
      });
      result = readStep(terms, terms.studentLogits ? countCorrect(terms.studentLogits, y) : undefined);
    });
    return result;
  }
  const kept: tf.Tensor[] = [];
  try {
    tf.tidy(() => {
      const forward = parts.teacherForward ?? ((input: tf.Tensor4D) => teacher!.apply(input, { training: false }));
      const teacherOut = distiller?.usesTeacher && teacher ? forward(x) : undefined;
      let named: Record<string, tf.Scalar> = {};
      let scalars: Record<string, number | tf.Scalar> | undefined;
      let correct: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const out = student.apply(x, { training: true });
        correct = tf.keep(countCorrect(out.logits, y));
        if (!distiller?.computeLoss) {
          const ce = crossEntropy(out.logits, y);
          named = { ce: tf.keep(ce.clone()) };
          return ce;
        }
        const terms = distiller.computeLoss({ ...info, ...sampleIndex, student: out, teacher: teacherOut, labels: y, numClasses });
        named = Object.fromEntries(Object.entries(terms.terms).map(([k, v]) => [k, tf.keep(v.clone())]));
        if (terms.scalars)
          scalars = Object.fromEntries(Object.entries(terms.scalars).map(([k, v]) => [k, typeof v === 'number' ? v : tf.keep(v.clone())]));
        return terms.total;
      }, [...vars]);
      kept.push(...Object.values(named), correct!);
      if (scalars) kept.push(...Object.values(scalars).filter((v): v is tf.Scalar => typeof v !== 'number'));
      const map = new Map<tf.Variable, tf.Tensor>();
      for (const v of vars) {
        const g = grads[v.name];
        if (g) map.set(v, g);
      }
      const gradients = keepGradients ? new Map([...map].map(([v, g]) => [v.name, tf.keep(g.clone())])) : undefined;
      optimizer.applyGradients(map);
      result = {
        ...readStep({ total: value, terms: named, ...(scalars ? { scalars } : {}) }, correct),
        ...(gradients ? { gradients } : {}),
      };
    });
    return result;
  } finally {
    for (const t of kept) t.dispose();
  }
}
