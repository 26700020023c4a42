import { pairedFeatures, setupTeacher, stageTaps } from '@kd/core';
import type { Distiller, DistillerSetup, LossInputs, LossTerms, StagePair } from '@kd/core';
import { atLossTerms } from './at.loss.js';
import type { AtOptions } from './at.options.js';

/**
 * The `at` distiller: no trainable module of its own; at setup it pairs the stages and checks their features exist,
 * then each step sums the per-stage attention losses.
 */
export class AtDistiller implements Distiller {
  readonly usesTeacher = true;
  private taps: StagePair[] = [];

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(private readonly options: AtOptions) {}

  /** The feature pairs in use (after setup). */
  get pairs(): readonly StagePair[] {
    return this.taps;
  }

  setup(setup: DistillerSetup): void {
    this.taps = stageTaps(setup.student, setupTeacher(setup, 'at'), this.options).pairs;
  }

  computeLoss(inputs: LossInputs): LossTerms {
    const { teacher, studentFeatures, teacherFeatures } = pairedFeatures(inputs, this.taps, 'at');
    const r = atLossTerms(
      { studentFeatures, teacherFeatures, studentLogits: inputs.student.logits, teacherLogits: teacher.logits, labels: inputs.labels },
      this.options,
    );
    return { total: r.total, terms: { ce: r.ce, at: r.at, ...(r.kd ? { kd: r.kd } : {}) } };
  }
}
