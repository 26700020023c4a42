import type * as tf from '@tensorflow/tfjs-core';
import type { LossInputs } from '../contracts/distiller.js';
import type { NetworkOutput } from '../contracts/network.js';
import type { StagePair } from './pair-stages.js';

/** The NHWC feature `name` of one network's output; `method` names the distiller in the error. */
export function featureOf(out: NetworkOutput, name: string, role: 'student' | 'teacher', method: string): tf.Tensor4D {
  const f = out.features[name];
  if (!f || f.rank !== 4)
    throw new Error(
      `${method} distiller: the ${role} output has no NHWC feature "${name}" (features: ${Object.keys(out.features).join(', ')})`,
    );
  return f as tf.Tensor4D;
}

/** The teacher's output of a step, which a distiller that `usesTeacher` always receives. */
export function teacherOutput(inputs: LossInputs, method: string): NetworkOutput {
  if (!inputs.teacher) throw new Error(`${method} distiller: the teacher output is missing (usesTeacher is true)`);
  return inputs.teacher;
}

/** The step's student and teacher features of every pair chosen at setup (none chosen yet: setup was skipped). */
export function pairedFeatures(
  inputs: LossInputs,
  pairs: readonly StagePair[],
  method: string,
): { readonly teacher: NetworkOutput; readonly studentFeatures: tf.Tensor4D[]; readonly teacherFeatures: tf.Tensor4D[] } {
  const teacher = teacherOutput(inputs, method);
  if (pairs.length === 0) throw new Error(`${method} distiller: computeLoss was called before setup`);
  return {
    teacher,
    studentFeatures: pairs.map((p) => featureOf(inputs.student, p.student, 'student', method)),
    teacherFeatures: pairs.map((p) => featureOf(teacher, p.teacher, 'teacher', method)),
  };
}
