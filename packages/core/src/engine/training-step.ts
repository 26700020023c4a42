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
}

function readTerms(terms: LossTerms): Record<string, number> {
  const out: Record<string, number> = { total: terms.total.dataSync()[0]! };
  for (const [k, v] of Object.entries(terms.terms)) out[k] = v.dataSync()[0]!;
  return out;
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
      result = {
        losses: readTerms(
          distiller.trainStep!({ ...info, ...sampleIndex, x, labels: y, student, ...(teacher ? { teacher } : {}), numClasses, optimizer }),
        ),
      };
    });
    return result;
  }
  const kept: tf.Tensor[] = [];
  try {
    tf.tidy(() => {
      const forward = parts.teacherForward ?? ((input: tf.Tensor4D) => teacher!.apply(input, { training: false }));
      const teacherOut = distiller?.usesTeacher && teacher ? forward(x) : undefined;
      let named: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const out = student.apply(x, { training: true });
        if (!distiller?.computeLoss) {
          const ce = crossEntropy(out.logits, y);
          named = { ce: tf.keep(ce.clone()) };
          return ce;
        }
        const terms = distiller.computeLoss({ ...info, ...sampleIndex, student: out, teacher: teacherOut, labels: y, numClasses });
        named = Object.fromEntries(Object.entries(terms.terms).map(([k, v]) => [k, tf.keep(v.clone())]));
        return terms.total;
      }, [...vars]);
      kept.push(...Object.values(named));
      const map = new Map<tf.Variable, tf.Tensor>();
      for (const v of vars) {
        const g = grads[v.name];
        if (g) map.set(v, g);
      }
      const gradients = keepGradients ? new Map([...map].map(([v, g]) => [v.name, tf.keep(g.clone())])) : undefined;
      optimizer.applyGradients(map);
      result = { losses: readTerms({ total: value, terms: named }), ...(gradients ? { gradients } : {}) };
    });
    return result;
  } finally {
    for (const t of kept) t.dispose();
  }
}
