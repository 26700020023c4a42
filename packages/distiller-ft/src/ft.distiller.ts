import * as tf from '@tensorflow/tfjs-core';
import {
  crossEntropy,
  KdInputError,
  type Distiller,
  type DistillerSetup,
  type LossTerms,
  type StagePlan,
  type StepContext,
  type TrainableModule,
} from '@kd/core';
import { EncoderModule } from './conv-coder.js';
import { factorTransferLoss } from './factor.loss.js';
import { resolveFeatureTap, tapped, type FeatureTap } from './feature-tap.js';
import { gradientStep } from './gradient-step.js';
import { TeacherFactors, type TeacherFactorContext } from './teacher-factor.js';
import type { FtOptions } from './ft.options.js';

/**
 * Module and stage name of the teacher auto-encoder, shared with IE-KD (its E_T is FT's paraphraser): the two
 * methods read the same data stream in that stage and share cached auto-encoders.
 */
export const TEACHER_AE = 'teacher-ae';
export const FT_PARAPHRASER_MODULE = TEACHER_AE;
export const FT_TRANSLATOR_MODULE = 'ft.translator';
export const FT_STAGES = { paraphraser: TEACHER_AE, student: 'student' } as const;

/** Checks that the student's feature can be compared with the teacher's factors (same spatial size). */
export function checkSpatialMatch(student: FeatureTap, teacher: FeatureTap, distiller: string): void {
  if (student.shape[0] !== teacher.shape[0] || student.shape[1] !== teacher.shape[1])
    throw new KdInputError(
      `/distiller/studentFeature: ${distiller} compares factors position by position, but the student's "${student.name}" is ${student.shape[0]}×${student.shape[1]} and the teacher's "${teacher.name}" is ${teacher.shape[0]}×${teacher.shape[1]}; pick features of the same spatial size`,
    );
}

/**
 * Factor transfer: a paraphraser trained first on the frozen teacher (stage `paraphraser`), then the student with a
 * translator on its feature (stage `student`): ceWeight·CE + β·FT(T(f_S), P(f_T)).
 */
export class FtDistiller implements Distiller {
  readonly usesTeacher = true;
  private factors: TeacherFactors | undefined;
  private translator: EncoderModule | undefined;
  private studentTap: FeatureTap | undefined;

  constructor(
    readonly options: FtOptions,
    private readonly context: Omit<TeacherFactorContext, 'distiller' | 'moduleName' | 'stageName'>,
  ) {}

  setup(setup: DistillerSetup): void {
    this.factors = new TeacherFactors(
      this.options,
      { ...this.context, distiller: 'ft', moduleName: FT_PARAPHRASER_MODULE, stageName: FT_STAGES.paraphraser },
      setup,
    );
    this.studentTap = resolveFeatureTap(setup.student, this.options.studentFeature, '/distiller/studentFeature');
    checkSpatialMatch(this.studentTap, this.factors.teacherTap, 'ft');
    this.translator = new EncoderModule(
      FT_TRANSLATOR_MODULE,
      { inChannels: this.studentTap.shape[2], outChannels: this.factors.factorChannels, leakySlope: this.options.leakySlope },
      setup.rng,
    );
  }

  /** The teacher auto-encoder of stage 1 (loaded from the cache or trained). */
  get teacherFactors(): TeacherFactors {
    if (!this.factors) throw new Error('ft: setup() has not run');
    return this.factors;
  }

  extraModules(): readonly TrainableModule[] {
    return [this.teacherFactors.module, this.translator!];
  }

  stages(): readonly StagePlan[] {
    const o = this.options.studentOptimizer;
    return [
      this.teacherFactors.stagePlan(),
      { name: FT_STAGES.student, trains: ['student', FT_TRANSLATOR_MODULE], ...(Object.keys(o).length ? { optimizer: o } : {}) },
    ];
  }

  trainStep(context: StepContext): LossTerms {
    if (context.stage === FT_STAGES.paraphraser) return this.teacherFactors.trainStep(context);
    const teacherFactor = this.teacherFactors.teacherPass(context.teacher!, context.x).factor;
    return gradientStep(context.optimizer, () => {
      const out = context.student.apply(context.x, { training: true });
      const ce = crossEntropy(out.logits, context.labels);
      const ft = factorTransferLoss(
        this.translator!.apply(tapped(out, this.studentTap!), true),
        teacherFactor,
        this.options.p,
        this.options.distanceForm,
      );
      const total = tf.add(tf.mul(ce, this.options.ceWeight), tf.mul(ft, this.options.beta)) as tf.Scalar;
      return { total, terms: { ce, ft } };
    });
  }

  dispose(): void {
    this.factors?.dispose();
    this.translator?.dispose();
  }
}
