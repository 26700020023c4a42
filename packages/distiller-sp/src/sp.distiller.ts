import type * as tf from '@tensorflow/tfjs-core';
import {
  KdInputError,
  featureName,
  pairStages,
  probeFeatures,
  requireSpatialFeature,
  type Distiller,
  type DistillerSetup,
  type LossInputs,
  type LossTerms,
  type Network,
  type NetworkOutput,
  type StagePair,
} from '@kd/core';
import { spLossTerms } from './sp.loss.js';
import type { SpOptions } from './sp.options.js';

function feature(out: NetworkOutput, name: string, role: string): tf.Tensor {
  const f = out.features[name];
  if (!f) throw new Error(`sp distiller: the ${role} output has no feature "${name}" (features: ${Object.keys(out.features).join(', ')})`);
  return f;
}

function lastStage(network: Network, role: string): string {
  const last = network.stages.at(-1);
  if (!last) throw new KdInputError(`/distiller/stages: the ${role} backbone (${network.spec.name}) names no stages to compare`);
  return last.name;
}

/**
 * The `sp` distiller: no trainable module of its own; at setup it chooses the stage pairs and checks that their
 * features exist, then each step sums the per-stage similarity losses.
 */
export class SpDistiller implements Distiller {
  readonly usesTeacher = true;
  private taps: StagePair[] = [];

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(private readonly options: SpOptions) {}

  /** The feature pairs in use (after setup). */
  get pairs(): readonly StagePair[] {
    return this.taps;
  }

  setup({ student, teacher }: DistillerSetup): void {
    if (!teacher) throw new Error('sp distiller: setup needs the teacher (usesTeacher is true)');
    const { stages, teacherStages, feature: kind } = this.options;
    let pairs: StagePair[];
    if (stages.length > 0) pairs = pairStages(student, teacher, stages, teacherStages);
    else if (teacherStages.length > 0)
      throw new KdInputError('/distiller/teacherStages: set only together with /distiller/stages (the student stages they pair with)');
    // The reference code compares the last stage of each network, whatever their names or depths.
    else pairs = [{ student: lastStage(student, 'student'), teacher: lastStage(teacher, 'teacher') }];
    const sShapes = probeFeatures(student);
    const tShapes = probeFeatures(teacher);
    this.taps = pairs.map((pair) => {
      const s = featureName(pair.student, kind);
      const t = featureName(pair.teacher, kind);
      requireSpatialFeature('student', student, sShapes, s, '/distiller/feature');
      requireSpatialFeature('teacher', teacher, tShapes, t, '/distiller/feature');
      return { student: s, teacher: t };
    });
  }

  computeLoss(inputs: LossInputs): LossTerms {
    if (!inputs.teacher) throw new Error('sp distiller: the teacher output is missing (usesTeacher is true)');
    if (this.taps.length === 0) throw new Error('sp distiller: computeLoss was called before setup');
    const teacher = inputs.teacher;
    const r = spLossTerms(
      {
        studentFeatures: this.taps.map((p) => feature(inputs.student, p.student, 'student')),
        teacherFeatures: this.taps.map((p) => feature(teacher, p.teacher, 'teacher')),
        studentLogits: inputs.student.logits,
        labels: inputs.labels,
      },
      this.options,
    );
    return { total: r.total, terms: { ce: r.ce, sp: r.sp } };
  }
}
