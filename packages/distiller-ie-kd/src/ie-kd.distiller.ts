import * as tf from '@tensorflow/tfjs-core';
import {
  crossEntropy,
  KdInputError,
  linearCka,
  type Distiller,
  type DistillerEvaluation,
  type DistillerSetup,
  type LossTerms,
  type Metrics,
  type StagePlan,
  type StepContext,
  type TrainableModule,
} from '@kd/core';
import {
  EncoderModule,
  TeacherFactors,
  TEACHER_AE,
  checkSpatialMatch,
  gradientStep,
  resolveFeatureTap,
  tapped,
  type FeatureTap,
  type TeacherFactorContext,
} from '@kd/distiller-ft';
import { ChannelSplitter, IE_KD_SPLIT_MODULE } from './channel-split.js';
import { explorationLoss, inheritanceLoss, kdTerm } from './ie-kd.loss.js';
import { ieKdFeatureName } from './ie-kd.feature.js';
import type { IeKdOptions } from './ie-kd.options.js';

export const IE_KD_MODULES = {
  teacherEncoder: TEACHER_AE,
  inheritance: 'ie-kd.inheritance',
  exploration: 'ie-kd.exploration',
  split: IE_KD_SPLIT_MODULE,
} as const;
export const IE_KD_STAGES = { teacherEncoder: TEACHER_AE, student: 'student' } as const;
export const IE_KD_METRICS = { inheritance: 'ie-kd.cka.inheritance', exploration: 'ie-kd.cka.exploration' } as const;

/** The factors of one batch the stage-2 loss compares. */
export interface IeKdFactors {
  readonly inheritance: tf.Tensor4D;
  readonly exploration: tf.Tensor4D | null;
}

/**
 * IE-KD with the paper's semantics (the official code names the two roles the other way round): the frozen pre-trained
 * teacher provides the compact factors F_T; the trained student's feature is split, its inheritance part encoded
 * and pulled towards F_T, its exploration part encoded and pushed away.
 */
export class IeKdDistiller implements Distiller {
  readonly usesTeacher = true;
  private factors: TeacherFactors | undefined;
  private splitter: ChannelSplitter | undefined;
  private inheritance: EncoderModule | undefined;
  private exploration: EncoderModule | undefined;
  private studentTap: FeatureTap | undefined;

  constructor(
    readonly options: IeKdOptions,
    private readonly context: Omit<TeacherFactorContext, 'distiller' | 'moduleName' | 'stageName'>,
  ) {
    if (options.split === 'none' && options.explorationWeight > 0)
      throw new KdInputError(
        `/distiller/explorationWeight: ${options.explorationWeight} with split "none", which has no exploration part; set explorationWeight to 0 or split to "natural" or "random"`,
      );
  }

  setup(setup: DistillerSetup): void {
    const o: IeKdOptions = {
      ...this.options,
      teacherFeature: setup.teacher ? ieKdFeatureName(setup.teacher, this.options.teacherFeature) : this.options.teacherFeature,
      studentFeature: ieKdFeatureName(setup.student, this.options.studentFeature),
    };
    this.factors = new TeacherFactors(
      o,
      { ...this.context, distiller: 'ie-kd', moduleName: IE_KD_MODULES.teacherEncoder, stageName: IE_KD_STAGES.teacherEncoder },
      setup,
    );
    this.studentTap = resolveFeatureTap(setup.student, o.studentFeature, '/distiller/studentFeature');
    checkSpatialMatch(this.studentTap, this.factors.teacherTap, 'ie-kd');
    const channels = this.studentTap.shape[2];
    if (o.split !== 'none' && channels < 2)
      throw new KdInputError(
        `/distiller/studentFeature: "${this.studentTap.name}" has ${channels} channel; splitting needs at least 2 (or split "none")`,
      );
    const k = this.factors.factorChannels;
    // the splitter's rule (it is built after the encoders): int(C/2) inherit unless oddChannel gives the extra one
    const half = o.oddChannel === 'exploration' ? Math.floor(channels / 2) : Math.ceil(channels / 2);
    const inhChannels = o.split === 'none' ? channels : half;
    // Encoders before the split's draw: with split "none" the inheritance encoder starts as FT's translator would.
    this.inheritance = new EncoderModule(
      IE_KD_MODULES.inheritance,
      { inChannels: inhChannels, outChannels: k, leakySlope: o.leakySlope },
      setup.rng,
    );
    if (o.split !== 'none')
      this.exploration = new EncoderModule(
        IE_KD_MODULES.exploration,
        { inChannels: channels - inhChannels, outChannels: k, leakySlope: o.leakySlope },
        setup.rng,
      );
    this.splitter = new ChannelSplitter(o.split, channels, setup.rng, o.oddChannel);
  }

  get teacherFactors(): TeacherFactors {
    if (!this.factors) throw new Error('ie-kd: setup() has not run');
    return this.factors;
  }

  get channelSplitter(): ChannelSplitter {
    if (!this.splitter) throw new Error('ie-kd: setup() has not run');
    return this.splitter;
  }

  extraModules(): readonly TrainableModule[] {
    return [this.teacherFactors.module, this.channelSplitter, this.inheritance!, ...(this.exploration ? [this.exploration] : [])];
  }

  stages(): readonly StagePlan[] {
    const o = this.options.studentOptimizer;
    const trains = ['student', IE_KD_MODULES.inheritance, ...(this.exploration ? [IE_KD_MODULES.exploration] : [])];
    return [this.teacherFactors.stagePlan(), { name: IE_KD_STAGES.student, trains, ...(Object.keys(o).length ? { optimizer: o } : {}) }];
  }

  /** The student's inheritance and exploration factors of a student feature map. */
  studentFactors(feature: tf.Tensor4D, training: boolean): IeKdFactors {
    const parts = this.channelSplitter.apply(feature);
    return {
      inheritance: this.inheritance!.apply(parts.inheritance, training),
      exploration: parts.exploration && this.exploration ? this.exploration.apply(parts.exploration, training) : null,
    };
  }

  trainStep(context: StepContext): LossTerms {
    if (context.stage === IE_KD_STAGES.teacherEncoder) return this.teacherFactors.trainStep(context);
    const o = this.options;
    const teacher = this.teacherFactors.teacherPass(context.teacher!, context.x);
    return gradientStep(context.optimizer, () => {
      const out = context.student.apply(context.x, { training: true });
      const ce = crossEntropy(out.logits, context.labels);
      const f = this.studentFactors(tapped(out, this.studentTap!), true);
      const inh = inheritanceLoss(f.inheritance, teacher.factor, o.p, o.distanceForm);
      const terms: Record<string, tf.Scalar> = { ce, inheritance: inh };
      let total = tf.add(tf.mul(ce, o.ceWeight), tf.mul(inh, o.inheritanceWeight));
      if (f.exploration) {
        const exp = explorationLoss(f.exploration, teacher.factor, o.explorationLoss, o.p, o.distanceForm);
        terms['exploration'] = exp;
        total = tf.add(total, tf.mul(exp, o.explorationWeight));
      }
      if (o.kdWeight > 0) {
        const kd = kdTerm(out.logits, teacher.logits, o.temperature);
        terms['kd'] = kd;
        total = tf.add(total, tf.mul(kd, o.kdWeight));
      }
      return { total: total as tf.Scalar, terms };
    });
  }

  /**
   * Linear CKA of the inheritance and exploration factors with the teacher's factors over the first `ckaSamples`
   * test images (the paper's diversity argument: exploration should share less with the teacher than inheritance).
   */
  async evaluate(context: DistillerEvaluation): Promise<Metrics> {
    const n = this.options.ckaSamples;
    if (n === 0 || context.stage !== IE_KD_STAGES.student || !context.teacher) return {};
    const parts: { t: tf.Tensor2D[]; inh: tf.Tensor2D[]; exp: tf.Tensor2D[] } = { t: [], inh: [], exp: [] };
    let seen = 0;
    try {
      for await (const batch of context.split.batches({ batchSize: context.batchSize, dropLast: false })) {
        try {
          if (seen < n) {
            const take = Math.min(n - seen, batch.x.shape[0]);
            const flat = (t: tf.Tensor) => tf.reshape(t, [t.shape[0]!, -1]) as tf.Tensor2D;
            const r = tf.tidy(() => {
              const x = tf.slice(batch.x, 0, take);
              const teacher = this.teacherFactors.teacherPass(context.teacher!, x);
              const f = this.studentFactors(tapped(context.student.apply(x, { training: false }), this.studentTap!), false);
              const r: Record<string, tf.Tensor2D> = { t: flat(teacher.factor), inh: flat(f.inheritance) };
              if (f.exploration) r['exp'] = flat(f.exploration);
              return r;
            });
            parts.t.push(r['t']!);
            parts.inh.push(r['inh']!);
            if (r['exp']) parts.exp.push(r['exp']);
            seen += take;
          }
        } finally {
          batch.x.dispose();
          batch.y.dispose();
        }
      }
      if (seen < 2) return {};
      const joined = tf.tidy(() => ({
        t: tf.concat(parts.t, 0),
        inh: tf.concat(parts.inh, 0),
        ...(parts.exp.length ? { exp: tf.concat(parts.exp, 0) } : {}),
      }));
      try {
        const out: Record<string, number> = { [IE_KD_METRICS.inheritance]: linearCka(joined.inh, joined.t) };
        if (joined.exp) out[IE_KD_METRICS.exploration] = linearCka(joined.exp, joined.t);
        return out;
      } finally {
        tf.dispose(joined);
      }
    } finally {
      for (const x of [...parts.t, ...parts.inh, ...parts.exp]) x.dispose();
    }
  }

  dispose(): void {
    this.factors?.dispose();
    this.splitter?.dispose();
    this.inheritance?.dispose();
    this.exploration?.dispose();
  }
}
