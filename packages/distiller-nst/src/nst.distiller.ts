import { pairedFeatures, setupTeacher, stageTaps } from '@kd/core';
import type { Distiller, DistillerSetup, LossInputs, LossTerms, StagePair } from '@kd/core';
import { nstLossTerms } from './nst.loss.js';
import type { NstOptions } from './nst.options.js';

/**
 * The `nst` distiller: no trainable module of its own; at setup it pairs the stages and checks their features exist,
 * then each step sums the per-stage MMD² terms.
 */
export class NstDistiller implements Distiller {
  readonly usesTeacher = true;
  private taps: StagePair[] = [];

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(private readonly options: NstOptions) {}

  /** The feature pairs in use (after setup). */
  get pairs(): readonly StagePair[] {
    return this.taps;
  }

  setup(setup: DistillerSetup): void {
    this.taps = stageTaps(setup.student, setupTeacher(setup, 'nst'), this.options).pairs;
  }

  computeLoss(inputs: LossInputs): LossTerms {
    const { studentFeatures, teacherFeatures } = pairedFeatures(inputs, this.taps, 'nst');
    const r = nstLossTerms({ studentFeatures, teacherFeatures, studentLogits: inputs.student.logits, labels: inputs.labels }, this.options);
    return { total: r.total, terms: { ce: r.ce, nst: r.nst } };
  }
}
