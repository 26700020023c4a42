import type * as tf from '@tensorflow/tfjs-core';
import {
  featureName,
  KdInputError,
  pairStages,
  probeFeatures,
  requireSpatialFeature,
  type Distiller,
  type DistillerSetup,
  type LossInputs,
  type LossTerms,
  type NetworkOutput,
  type StagePair,
} from '@kd/core';
import { kdsvdLossTerms, singularCount, vectorLength } from './kdsvd.loss.js';
import type { KdsvdOptions } from './kdsvd.options.js';

function feature(out: NetworkOutput, name: string, role: string): tf.Tensor4D {
  const f = out.features[name];
  if (!f || f.rank !== 4)
    throw new Error(
      `kdsvd distiller: the ${role} output has no NHWC feature "${name}" (features: ${Object.keys(out.features).join(', ')})`,
    );
  return f as tf.Tensor4D;
}

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

  setup({ student, teacher }: DistillerSetup): void {
    if (!teacher) throw new Error('kdsvd distiller: setup needs the teacher (usesTeacher is true)');
    const stages = pairStages(student, teacher, this.options.stages, this.options.teacherStages);
    if (stages.length < 2)
      throw new KdInputError(
        `/distiller/stages: KD-SVD relates consecutive stages and needs at least 2 pairs; got ${stages.length} (${stages.map((p) => p.student).join(', ')})`,
      );
    const { feature: kind, vectorsOver, k } = this.options;
    const sShapes = probeFeatures(student);
    const tShapes = probeFeatures(teacher);
    this.taps = stages.map((pair, i) => {
      const s = featureName(pair.student, kind);
      const t = featureName(pair.teacher, kind);
      const ss = [1, ...requireSpatialFeature('student', student, sShapes, s, '/distiller/feature')];
      const ts = [1, ...requireSpatialFeature('teacher', teacher, tShapes, t, '/distiller/feature')];
      const where = this.options.stages.length > 0 ? `/distiller/stages/${i}` : '/distiller/stages';
      if (vectorLength(ss, vectorsOver) !== vectorLength(ts, vectorsOver))
        throw new KdInputError(
          `${where}: with vectorsOver "${vectorsOver}" the student's ${s} [H, W, C] = ${JSON.stringify(ss.slice(1))} and the teacher's ${t} ${JSON.stringify(ts.slice(1))} need the same ${vectorsOver === 'width' ? 'width' : 'channel count'}`,
        );
      const available = Math.min(singularCount(ss, vectorsOver), singularCount(ts, vectorsOver));
      if (k > available)
        throw new KdInputError(`/distiller/k: ${k} singular vectors asked for, but the ${s}/${t} pair has only ${available}`);
      return { student: s, teacher: t };
    });
  }

  computeLoss(inputs: LossInputs): LossTerms {
    if (!inputs.teacher) throw new Error('kdsvd distiller: the teacher output is missing (usesTeacher is true)');
    if (this.taps.length === 0) throw new Error('kdsvd distiller: computeLoss was called before setup');
    const teacher = inputs.teacher;
    const r = kdsvdLossTerms(
      {
        studentFeatures: this.taps.map((p) => feature(inputs.student, p.student, 'student')),
        teacherFeatures: this.taps.map((p) => feature(teacher, p.teacher, 'teacher')),
        studentLogits: inputs.student.logits,
        labels: inputs.labels,
      },
      this.options,
    );
    return { total: r.total, terms: { ce: r.ce, kdsvd: r.kdsvd } };
  }
}
