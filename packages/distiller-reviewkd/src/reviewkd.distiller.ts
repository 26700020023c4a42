import * as tf from '@tensorflow/tfjs-core';
import {
  KdInputError,
  crossEntropy,
  embeddingWidth,
  featureName,
  probeFeatures,
  requireSpatialFeature,
  setupTeacher,
  teacherOutput,
  weightedSum,
} from '@kd/core';
import type { Distiller, DistillerSetup, LossInputs, LossTerms, NetworkOutput, TrainableModule } from '@kd/core';
import { ReviewFusion, squareSize, type ReviewLevel } from './abf.js';
import { hclLoss } from './reviewkd.loss.js';
import type { ReviewkdOptions } from './reviewkd.options.js';

/** The warm-up factor of the e-th epoch (0-based `epoch`): mdistiller counts epochs from 1. */
export function warmupFactor(epoch: number, warmupEpochs: number): number {
  return warmupEpochs === 0 ? 1 : Math.min((epoch + 1) / warmupEpochs, 1);
}

/** The maps of the levels, shallow to deep: every stage's feature, then the pooled embedding as [B, 1, 1, D]. */
function levelMaps(out: NetworkOutput, features: readonly string[]): tf.Tensor4D[] {
  const e = out.embedding;
  return [...features.map((f) => out.features[f] as tf.Tensor4D), tf.reshape(e, [e.shape[0], 1, 1, e.shape[1]]) as tf.Tensor4D];
}

/** The `reviewkd` distiller: ABF modules built at setup from the networks' stage shapes, trained beside the student. */
export class ReviewkdDistiller implements Distiller {
  readonly usesTeacher = true;
  private module?: ReviewFusion;
  private taps?: { student: string[]; teacher: string[] };

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(readonly options: ReviewkdOptions) {}

  get fusion(): ReviewFusion | undefined {
    return this.module;
  }

  setup(setup: DistillerSetup): void {
    const { student, rng } = setup;
    const teacher = setupTeacher(setup, 'reviewkd');
    const o = this.options;
    // The reference pairs stages one to one. A deeper teacher (the bench's three-stage cnn for a two-stage student)
    // gives its deepest stages, aligned from the pooled end, which is the same pairing whenever the counts agree.
    if (student.stages.length > teacher.stages.length)
      throw new KdInputError(
        `/teacher/backbone: ReviewKD pairs every student stage with a teacher stage; the student (${student.spec.name}) has ${student.stages.length} stages, the teacher (${teacher.spec.name}) only ${teacher.stages.length}`,
      );
    const sShapes = probeFeatures(student);
    const tShapes = probeFeatures(teacher);
    const sNames = student.stages.map((s) => featureName(s.name, o.studentFeature));
    const tNames = teacher.stages.slice(teacher.stages.length - student.stages.length).map((s) => featureName(s.name, o.teacherFeature));
    const levels: ReviewLevel[] = sNames.map((s, i) => {
      const ss = requireSpatialFeature('student', student, sShapes, s, '/distiller/studentFeature');
      const ts = requireSpatialFeature('teacher', teacher, tShapes, tNames[i]!, '/distiller/teacherFeature');
      return {
        studentChannels: ss[2]!,
        studentSize: squareSize(ss, '/distiller/studentFeature', `the student feature "${s}"`),
        teacherChannels: ts[2]!,
        teacherSize: squareSize(ts, '/distiller/teacherFeature', `the teacher feature "${tNames[i]}"`),
      };
    });
    const sWidth = embeddingWidth(student);
    levels.push({ studentChannels: sWidth, studentSize: 1, teacherChannels: embeddingWidth(teacher), teacherSize: 1 });
    this.module?.dispose();
    this.module = new ReviewFusion(levels, Math.min(o.maxMidChannels, sWidth), rng);
    this.taps = { student: sNames, teacher: tNames };
  }

  extraModules(): readonly TrainableModule[] {
    return this.module ? [this.module] : [];
  }

  computeLoss(inputs: LossInputs): LossTerms {
    const teacher = teacherOutput(inputs, 'reviewkd');
    if (!this.module || !this.taps) throw new Error('reviewkd distiller: computeLoss was called before setup');
    const o = this.options;
    const ce = crossEntropy(inputs.student.logits, inputs.labels);
    const reviewkd = tf.tidy(() =>
      hclLoss(this.module!.apply(levelMaps(inputs.student, this.taps!.student)), levelMaps(teacher, this.taps!.teacher)),
    );
    const factor = warmupFactor(inputs.epoch, o.warmupEpochs);
    const total = weightedSum([
      [ce, o.ceWeight],
      [reviewkd, o.reviewkdWeight * factor],
    ]);
    return { total, terms: { ce, reviewkd } };
  }

  dispose(): void {
    this.module?.dispose();
    this.module = undefined;
  }
}
