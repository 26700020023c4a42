import type { Distiller, LossInputs, LossTerms } from '@kd/core';
import { kdLossTerms } from './kd.loss.js';
import type { KdOptions } from './kd.options.js';

/** The `kd` distiller: no extra modules, one loss per step, needs the teacher's logits. */
export function createKdDistiller(options: KdOptions): Distiller {
  return {
    usesTeacher: true,
    computeLoss(inputs: LossInputs): LossTerms {
      if (!inputs.teacher) throw new Error('kd distiller: the teacher output is missing (usesTeacher is true)');
      const { total, ce, kd } = kdLossTerms(inputs.student.logits, inputs.teacher.logits, inputs.labels, options);
      return { total, terms: { ce, kd } };
    },
  };
}
