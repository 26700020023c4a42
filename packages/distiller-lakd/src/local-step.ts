import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '@kd/core';
import type { Connector } from './connector.js';
import type { LocalModule } from './module-plan.js';
import { forwardModule, hasObjective, moduleLoss, type ObjectiveSettings } from './local-objective.js';
import type { TeacherSource } from './teacher-pass.js';

export interface LocalStepInput {
  readonly student: Network;
  readonly modules: readonly LocalModule[];
  readonly connectors: readonly (Connector | undefined)[];
  readonly settings: ObjectiveSettings;
  readonly x: tf.Tensor4D;
  readonly labels: tf.Tensor1D;
  /** The frozen teacher; each module's feature is released once that module's gradients are taken. */
  readonly teacher: TeacherSource;
  /** Which modules' losses are on this epoch (the progressive curriculum). */
  readonly active: readonly boolean[];
  readonly truncate: boolean;
}

export interface LocalStepResult {
  /** Loss terms, tracked by the caller's tidy scope. */
  readonly terms: Record<string, tf.Scalar>;
  readonly total: tf.Scalar;
  /** One gradient per updated variable; tracked by the caller's tidy scope. */
  readonly grads: Map<tf.Variable, tf.Tensor>;
  /** Names of the variables each module's loss reached (truncated mode), for the gradient-isolation proof. */
  readonly reachedBy: readonly (readonly string[])[];
  /** The last module's output: the student's training-mode logits (the trainer's train top-1); caller's scope. */
  readonly logits: tf.Tensor;
}

function moduleVariables(input: LocalStepInput, m: LocalModule): tf.Variable[] {
  const own = m.stages.flatMap((i) => input.student.stageVariables!(i));
  const head = m.last ? input.student.stageVariables!(input.student.stages.length) : [];
  return [...own, ...head, ...(input.connectors[m.index]?.trainableVariables() ?? [])];
}

/** Computes what module m reads from the teacher before its gradient tape opens (a tape records every op in its scope). */
function primeTeacher(input: LocalStepInput, m: LocalModule): void {
  input.teacher.feature(m.teacherFeature);
  if (m.last && input.settings.hardLoss === 'ce+kd') input.teacher.logits();
}

/**
 * One LAKD step's gradients. Truncated: module l runs on a constant copy of module l−1's output under its own
 * gradient tape, which is released before module l+1 runs, so peak memory follows the largest module and no loss
 * reaches an earlier module; the teacher source advances with the modules and frees each module's teacher feature after
 * it. Untruncated: one tape over the chained modules and the sum of their losses.
 * Gradients are applied by the caller in one optimiser step: module l+1's input was computed before any update, so
 * this equals updating each module as soon as its gradient is known.
 */
export function localStep(input: LocalStepInput): LocalStepResult {
  const { modules, settings, student } = input;
  const allVars = modules.flatMap((m) => moduleVariables(input, m));
  const byName = new Map(allVars.map((v) => [v.name, v]));
  const grads = new Map<tf.Variable, tf.Tensor>();
  const kept: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    kept.push(t);
    return tf.keep(t);
  };
  const terms: Record<string, tf.Scalar> = {};
  const reachedBy: string[][] = [];
  try {
    if (!input.truncate) {
      for (const m of modules) primeTeacher(input, m);
      let logits: tf.Tensor | undefined;
      const { value, grads: g } = tf.variableGrads(() => {
        let h: tf.Tensor = input.x;
        let sum: tf.Scalar = tf.scalar(0);
        for (const m of modules) {
          const fwd = forwardModule(student, m, h, true);
          if (input.active[m.index] && hasObjective(m, settings)) {
            const loss = moduleLoss(m, fwd, input.teacher, input.labels, input.connectors[m.index], settings);
            for (const [k, v] of Object.entries(loss.terms)) terms[k] = keep(v);
            sum = tf.add(sum, loss.total);
          }
          h = fwd.output;
        }
        logits = keep(h);
        return sum;
      }, allVars);
      for (const [name, grad] of Object.entries(g)) grads.set(byName.get(name)!, grad);
      reachedBy.push(Object.keys(g));
      return finish(value, logits!);
    }
    let h: tf.Tensor = input.x;
    let total: tf.Scalar = tf.scalar(0);
    for (const m of modules) {
      let output: tf.Tensor | undefined;
      if (!input.active[m.index] || !hasObjective(m, settings)) {
        output = keep(tf.tidy(() => forwardModule(student, m, h, true).output));
        reachedBy.push([]);
      } else {
        primeTeacher(input, m);
        const vars = moduleVariables(input, m);
        const { value, grads: g } = tf.variableGrads(
          () => {
            const fwd = forwardModule(student, m, h, true);
            const loss = moduleLoss(m, fwd, input.teacher, input.labels, input.connectors[m.index], settings);
            output = keep(fwd.output);
            for (const [k, v] of Object.entries(loss.terms)) terms[k] = keep(v);
            return loss.total;
          },
          allVars.filter((v) => !vars.includes(v)).concat(vars),
        );
        for (const [name, grad] of Object.entries(g)) grads.set(byName.get(name)!, grad);
        reachedBy.push(Object.keys(g));
        total = tf.add(total, value);
      }
      input.teacher.release(m.teacherFeature);
      h = output!;
    }
    return finish(total, h);
  } finally {
    for (const t of kept) t.dispose();
  }

  function finish(total: tf.Scalar, logits: tf.Tensor): LocalStepResult {
    // Clones live in the caller's scope; the kept originals are released in `finally`.
    const out = Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, v.clone()]));
    return { terms: out, total, grads, reachedBy, logits: logits.clone() };
  }
}
