import type * as tf from '@tensorflow/tfjs-core';
import {
  featureName,
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
import { nstLossTerms } from './nst.loss.js';
import type { NstOptions } from './nst.options.js';

function feature(out: NetworkOutput, name: string, role: string): tf.Tensor4D {
  const f = out.features[name];
  if (!f || f.rank !== 4)
    throw new Error(`nst distiller: the ${role} output has no NHWC feature "${name}" (features: ${Object.keys(out.features).join(', ')})`);
  return f as tf.Tensor4D;
}

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

  setup({ student, teacher }: DistillerSetup): void {
    if (!teacher) throw new Error('nst distiller: setup needs the teacher (usesTeacher is true)');
    const stages = pairStages(student, teacher, this.options.stages, this.options.teacherStages);
    const kind = this.options.feature;
    const sShapes = probeFeatures(student);
    const tShapes = probeFeatures(teacher);
    this.taps = stages.map((pair) => {
      const s = featureName(pair.student, kind);
      const t = featureName(pair.teacher, kind);
      requireSpatialFeature('student', student, sShapes, s, '/distiller/feature');
      requireSpatialFeature('teacher', teacher, tShapes, t, '/distiller/feature');
      return { student: s, teacher: t };
    });
  }

  computeLoss(inputs: LossInputs): LossTerms {
    if (!inputs.teacher) throw new Error('nst distiller: the teacher output is missing (usesTeacher is true)');
    if (this.taps.length === 0) throw new Error('nst distiller: computeLoss was called before setup');
    const teacher = inputs.teacher;
    const r = nstLossTerms(
      {
        studentFeatures: this.taps.map((p) => feature(inputs.student, p.student, 'student')),
        teacherFeatures: this.taps.map((p) => feature(teacher, p.teacher, 'teacher')),
        studentLogits: inputs.student.logits,
        labels: inputs.labels,
      },
      this.options,
    );
    return { total: r.total, terms: { ce: r.ce, nst: r.nst } };
  }
}
