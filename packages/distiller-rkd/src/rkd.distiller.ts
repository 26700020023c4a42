import { embeddingLossInputs, type Distiller, type LossInputs, type LossTerms } from '@kd/core';
import { rkdLossTerms } from './rkd.loss.js';
import type { RkdOptions } from './rkd.options.js';

/** The `rkd` distiller: no module of its own; each step relates the samples of the batch through their embeddings. */
export class RkdDistiller implements Distiller {
  readonly usesTeacher = true;

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(private readonly options: RkdOptions) {}

  computeLoss(inputs: LossInputs): LossTerms {
    const r = rkdLossTerms(embeddingLossInputs(inputs, 'rkd'), this.options);
    return { total: r.total, terms: { ce: r.ce, distance: r.distance, angle: r.angle } };
  }
}
