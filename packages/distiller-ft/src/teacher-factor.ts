import { isAbsolute, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, type DistillerSetup, type LossTerms, type Network, type StagePlan, type StepContext } from '@kd/core';
import { AutoEncoderModule } from './conv-coder.js';
import { FactorCache, factorCacheKey, networkStateHash } from './factor-cache.js';
import { reconstructionLoss } from './factor.loss.js';
import { resolveFeatureTap, tapped, type FeatureTap } from './feature-tap.js';
import { gradientStep } from './gradient-step.js';
import type { TeacherFactorOptions } from './teacher-factor.options.js';

/** Where the distiller's options and the run's config come from (for resolving the cache and its key). */
export interface TeacherFactorContext {
  /** The distiller's name, for error pointers and the cache's meta file. */
  readonly distiller: string;
  /** Module name of the auto-encoder (checkpoint prefix, `trains` entry). */
  readonly moduleName: string;
  /** Name of the stage that trains it. */
  readonly stageName: string;
  /** The config file's directory: a relative cacheDir resolves against it. */
  readonly baseDir: string;
  /** The validated run config, when the distiller was created for a run (it shapes the cache key). */
  readonly runConfig?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The first stage shared by FT and IE-KD: an auto-encoder on the frozen teacher's feature, trained with the
 * reconstruction loss, whose encoder gives the teacher's compact factors. Frozen and in inference mode afterwards.
 * A trained auto-encoder is cached under a key of the teacher's weights and everything that shaped its training;
 * a hit loads it in `setup` and the stage runs 0 epochs (the stage stays listed so checkpoints keep their indices).
 */
export class TeacherFactors {
  readonly module: AutoEncoderModule;
  readonly teacherTap: FeatureTap;
  readonly factorChannels: number;
  /** Whether the auto-encoder came from the cache (its stage is skipped). */
  readonly cached: boolean;
  readonly cacheKey: string | undefined;
  readonly cacheDir: string | undefined;

  constructor(
    private readonly options: TeacherFactorOptions,
    readonly context: TeacherFactorContext,
    setup: DistillerSetup,
  ) {
    const teacher = setup.teacher;
    if (!teacher) throw new KdInputError(`/teacher: the "${context.distiller}" distiller needs a teacher`);
    this.teacherTap = resolveFeatureTap(teacher, options.teacherFeature, '/distiller/teacherFeature');
    const channels = this.teacherTap.shape[2];
    this.factorChannels = options.factorChannels > 0 ? options.factorChannels : Math.max(1, Math.round(options.factorRate * channels));
    this.module = new AutoEncoderModule(
      context.moduleName,
      { inChannels: channels, outChannels: this.factorChannels, leakySlope: options.leakySlope },
      setup.rng,
    );
    let cached = false;
    if (options.cache) {
      this.cacheDir = options.cacheDir
        ? isAbsolute(options.cacheDir)
          ? options.cacheDir
          : resolve(context.baseDir, options.cacheDir)
        : process.env['KD_CACHE_DIR']
          ? resolve(process.env['KD_CACHE_DIR'], 'teacher-factor')
          : join(setup.runDir, 'cache', 'teacher-factor');
      this.cacheKey = factorCacheKey(networkStateHash(teacher), this.keyParts(teacher));
      cached = new FactorCache(this.cacheDir).load(this.cacheKey, this.module);
      // Written when its stage ends, so an interrupted stage never leaves a half-trained entry.
      setup.events.on('stageEnd', (e) => {
        if (e.stage !== context.stageName || this.cached) return;
        new FactorCache(this.cacheDir!).save(this.cacheKey!, this.module, {
          distiller: context.distiller,
          teacher: teacher.spec,
          feature: this.teacherTap,
          factorChannels: this.factorChannels,
        });
      });
    }
    this.cached = cached;
  }

  /** Everything besides the teacher's weights that determines the trained auto-encoder. */
  private keyParts(teacher: Network): Record<string, unknown> {
    const o = this.options;
    const c = this.context.runConfig ?? {};
    const training = (c['training'] ?? {}) as Record<string, unknown>;
    return {
      format: 1,
      teacher: teacher.spec,
      feature: this.teacherTap.name,
      factorChannels: this.factorChannels,
      leakySlope: o.leakySlope,
      reconstructionNorm: o.reconstructionNorm,
      epochs: o.autoEncoderEpochs,
      stage: this.context.stageName,
      optimizer: { ...((training['optimizer'] as object) ?? {}), ...o.autoEncoderOptimizer },
      schedule: training['schedule'] ?? null,
      batchSize: training['batchSize'] ?? null,
      seed: training['seed'] ?? null,
      dataset: c['dataset'] ?? null,
    };
  }

  stagePlan(): StagePlan {
    return {
      name: this.context.stageName,
      epochs: this.cached ? 0 : this.options.autoEncoderEpochs,
      trains: [this.context.moduleName],
      ...(Object.keys(this.options.autoEncoderOptimizer).length ? { optimizer: this.options.autoEncoderOptimizer } : {}),
    };
  }

  /** One reconstruction step of the auto-encoder on the frozen teacher's feature (the student is not run). */
  trainStep(context: StepContext): LossTerms {
    const teacher = context.teacher;
    if (!teacher) throw new Error(`${this.context.distiller}: the teacher is missing in the auto-encoder stage`);
    const feature = tapped(teacher.apply(context.x, { training: false }), this.teacherTap);
    return gradientStep(context.optimizer, () => {
      const { reconstruction } = this.module.apply(feature, true);
      const rec = reconstructionLoss(feature, reconstruction, this.options.reconstructionNorm);
      return { total: rec, terms: { reconstruction: rec } };
    });
  }

  /**
   * The teacher's logits and compact factors of an input batch: teacher and encoder in inference mode, outside any
   * gradient (the stop-gradient of the reference, whose E_T is frozen and in eval mode).
   */
  teacherPass(teacher: Network, x: tf.Tensor4D): { logits: tf.Tensor2D; factor: tf.Tensor4D } {
    return tf.tidy(() => {
      const out = teacher.apply(x, { training: false });
      return { logits: out.logits, factor: this.module.encode(tapped(out, this.teacherTap), false) };
    });
  }

  dispose(): void {
    this.module.dispose();
  }
}
