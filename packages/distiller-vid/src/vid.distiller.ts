import { pairedFeatures, setupTeacher, stageTaps } from '@kd/core';
import type { Distiller, DistillerSetup, LossInputs, LossTerms, StagePair, TrainableModule } from '@kd/core';
import { vidLossTerms } from './vid.loss.js';
import { VidModule } from './vid.module.js';
import type { VidOptions } from './vid.options.js';

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

  setup(setup: DistillerSetup): void {
    const { stages, pairs, shapes } = stageTaps(setup.student, setupTeacher(setup, 'vid'), this.options);
    this.taps = pairs;
    this.vid?.dispose();
    this.vid = new VidModule(
      stages.map((p, i) => ({ name: p.student, studentChannels: shapes[i]!.student[2]!, teacherChannels: shapes[i]!.teacher[2]! })),
      setup.rng,
      this.options,
    );
  }

  extraModules(): readonly TrainableModule[] {
    return this.vid ? [this.vid] : [];
  }

  computeLoss(inputs: LossInputs): LossTerms {
    const { studentFeatures, teacherFeatures } = pairedFeatures(inputs, this.taps, 'vid');
    if (!this.vid) throw new Error('vid distiller: computeLoss was called before setup');
    const r = vidLossTerms(
      this.vid,
      { studentFeatures, teacherFeatures, studentLogits: inputs.student.logits, labels: inputs.labels },
      this.options,
    );
    return { total: r.total, terms: { ce: r.ce, vid: r.vid } };
  }

  dispose(): void {
    this.vid?.dispose();
    this.vid = undefined;
  }
}
