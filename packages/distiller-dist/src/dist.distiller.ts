import { teacherOutput, type Distiller, type LossInputs, type LossTerms } from '@kd/core';
import { distLossTerms } from './dist.loss.js';
import type { DistOptions } from './dist.options.js';

/** The `dist` distiller: a logit method with no trainable module and no setup. */
export class DistDistiller implements Distiller {
  readonly usesTeacher = true;

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(private readonly options: DistOptions) {}

  computeLoss(inputs: LossInputs): LossTerms {
    const teacher = teacherOutput(inputs, 'dist');
    const r = distLossTerms(inputs.student.logits, teacher.logits, inputs.labels, this.options);
    return { total: r.total, terms: { ce: r.ce, inter: r.inter, intra: r.intra } };
  }
}
