import type { Distiller, LossInputs, LossTerms } from '@kd/core';
import { rkdLossTerms } from './rkd.loss.js';
import type { RkdOptions } from './rkd.options.js';

/** The `rkd` distiller: no module of its own; each step relates the samples of the batch through their embeddings. */
export class RkdDistiller implements Distiller {
  readonly usesTeacher = true;

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(private readonly options: RkdOptions) {}

  computeLoss(inputs: LossInputs): LossTerms {
    if (!inputs.teacher) throw new Error('rkd distiller: the teacher output is missing (usesTeacher is true)');
    const r = rkdLossTerms(
      {
        studentEmbedding: inputs.student.embedding,
        teacherEmbedding: inputs.teacher.embedding,
        studentLogits: inputs.student.logits,
        labels: inputs.labels,
      },
      this.options,
    );
    return { total: r.total, terms: { ce: r.ce, distance: r.distance, angle: r.angle } };
  }
}
