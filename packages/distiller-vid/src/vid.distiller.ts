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
  type TrainableModule,
} from '@kd/core';
import { vidLossTerms } from './vid.loss.js';
import { VidModule } from './vid.module.js';
import type { VidOptions } from './vid.options.js';

function feature(out: NetworkOutput, name: string, role: string): tf.Tensor4D {
  const f = out.features[name];
  if (!f || f.rank !== 4)
    throw new Error(`vid distiller: the ${role} output has no NHWC feature "${name}" (features: ${Object.keys(out.features).join(', ')})`);
  return f as tf.Tensor4D;
}

/** The `vid` distiller: at setup it pairs the stages and builds one regressor and variance per pair from their channels. */
export class VidDistiller implements Distiller {
  readonly usesTeacher = true;
  private taps: StagePair[] = [];
  private vid?: VidModule;

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(readonly options: VidOptions) {}

  /** The feature pairs in use (after setup). */
  get pairs(): readonly StagePair[] {
    return this.taps;
  }

  /** The regressors and variances (after setup). */
  get module(): VidModule | undefined {
    return this.vid;
  }

  setup({ student, teacher, rng }: DistillerSetup): void {
    if (!teacher) throw new Error('vid distiller: setup needs the teacher (usesTeacher is true)');
    const o = this.options;
    const stages = pairStages(student, teacher, o.stages, o.teacherStages);
    const sShapes = probeFeatures(student);
    const tShapes = probeFeatures(teacher);
    const geometry = stages.map((pair) => {
      const s = featureName(pair.student, o.feature);
      const t = featureName(pair.teacher, o.feature);
      const ss = requireSpatialFeature('student', student, sShapes, s, '/distiller/feature');
      const ts = requireSpatialFeature('teacher', teacher, tShapes, t, '/distiller/feature');
      return { tap: { student: s, teacher: t }, geometry: { name: pair.student, studentChannels: ss[2]!, teacherChannels: ts[2]! } };
    });
    this.taps = geometry.map((g) => g.tap);
    this.vid?.dispose();
    this.vid = new VidModule(
      geometry.map((g) => g.geometry),
      rng,
      o,
    );
  }

  extraModules(): readonly TrainableModule[] {
    return this.vid ? [this.vid] : [];
  }

  computeLoss(inputs: LossInputs): LossTerms {
    if (!inputs.teacher) throw new Error('vid distiller: the teacher output is missing (usesTeacher is true)');
    if (!this.vid) throw new Error('vid distiller: computeLoss was called before setup');
    const teacher = inputs.teacher;
    const r = vidLossTerms(
      this.vid,
      {
        studentFeatures: this.taps.map((p) => feature(inputs.student, p.student, 'student')),
        teacherFeatures: this.taps.map((p) => feature(teacher, p.teacher, 'teacher')),
        studentLogits: inputs.student.logits,
        labels: inputs.labels,
      },
      this.options,
    );
    return { total: r.total, terms: { ce: r.ce, vid: r.vid } };
  }

  dispose(): void {
    this.vid?.dispose();
    this.vid = undefined;
  }
}
