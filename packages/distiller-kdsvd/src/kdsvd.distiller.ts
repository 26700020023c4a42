import { KdInputError, pairStages, pairedFeatures, setupTeacher, tapStages } from '@kd/core';
import type { Distiller, DistillerSetup, LossInputs, LossTerms, StagePair } from '@kd/core';
import { kdsvdLossTerms, singularCount, vectorLength } from './kdsvd.loss.js';
import type { KdsvdOptions } from './kdsvd.options.js';

/**
 * The `kdsvd` distiller: no trainable module of its own. At setup it pairs the stages and checks what the loss needs
 * of their shapes (two or more pairs, equal vector lengths, at least k singular vectors), so a mismatch is reported
 * against the config before training; each step then computes the loss.
 */
export class KdsvdDistiller implements Distiller {
  readonly usesTeacher = true;
  private taps: StagePair[] = [];

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(private readonly options: KdsvdOptions) {}

  /** The feature pairs in use (after setup). */
  get pairs(): readonly StagePair[] {
    return this.taps;
  }

  setup(setup: DistillerSetup): void {
    const { student } = setup;
    const teacher = setupTeacher(setup, 'kdsvd');
    const stages = pairStages(student, teacher, this.options.stages, this.options.teacherStages);
    if (stages.length < 2)
      throw new KdInputError(
        `/distiller/stages: KD-SVD relates consecutive stages and needs at least 2 pairs; got ${stages.length} (${stages.map((p) => p.student).join(', ')})`,
      );
    const { feature: kind, vectorsOver, k } = this.options;
    const { pairs, shapes } = tapStages(student, teacher, stages, kind);
    pairs.forEach(({ student: s, teacher: t }, i) => {
      const ss = [1, ...shapes[i]!.student];
      const ts = [1, ...shapes[i]!.teacher];
      const where = this.options.stages.length > 0 ? `/distiller/stages/${i}` : '/distiller/stages';
      if (vectorLength(ss, vectorsOver) !== vectorLength(ts, vectorsOver))
        throw new KdInputError(
          `${where}: with vectorsOver "${vectorsOver}" the student's ${s} [H, W, C] = ${JSON.stringify(ss.slice(1))} and the teacher's ${t} ${JSON.stringify(ts.slice(1))} need the same ${vectorsOver === 'width' ? 'width' : 'channel count'}`,
        );
      const available = Math.min(singularCount(ss, vectorsOver), singularCount(ts, vectorsOver));
      if (k > available)
        throw new KdInputError(`/distiller/k: ${k} singular vectors asked for, but the ${s}/${t} pair has only ${available}`);
    });
    this.taps = pairs;
  }

  computeLoss(inputs: LossInputs): LossTerms {
    const { studentFeatures, teacherFeatures } = pairedFeatures(inputs, this.taps, 'kdsvd');
    const r = kdsvdLossTerms(
      { studentFeatures, teacherFeatures, studentLogits: inputs.student.logits, labels: inputs.labels },
      this.options,
    );
    return { total: r.total, terms: { ce: r.ce, kdsvd: r.kdsvd } };
  }
}
