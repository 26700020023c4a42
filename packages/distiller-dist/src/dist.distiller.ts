import type { Distiller, LossInputs, LossTerms } from '@kd/core';
import { distLossTerms } from './dist.loss.js';
import type { DistOptions } from './dist.options.js';

/** The `dist` distiller: a logit method with no trainable module and no setup. */
export class DistDistiller implements Distiller {
  readonly usesTeacher = true;

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(private readonly options: DistOptions) {}

  computeLoss(inputs: LossInputs): LossTerms {
    if (!inputs.teacher) throw new Error('dist distiller: the teacher output is missing (usesTeacher is true)');
    const r = distLossTerms(inputs.student.logits, inputs.teacher.logits, inputs.labels, this.options);
    return { total: r.total, terms: { ce: r.ce, inter: r.inter, intra: r.intra } };
  }
}
