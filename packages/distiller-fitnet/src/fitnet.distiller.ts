import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, crossEntropy, featureOf, setupTeacher, tapStages, teacherOutput, weightedSum } from '@kd/core';
import type { Distiller, DistillerSetup, LossInputs, LossTerms, StagePlan, TrainableModule } from '@kd/core';
import { fitnetLossTerms, hintLoss, logitKd } from './fitnet.loss.js';
import type { FitnetOptions } from './fitnet.options.js';
import { HintRegressor, regressorGeometry } from './regressor.js';

/** Stage names of the two-stage (paper) schedule. */
export const FITNET_HINT_STAGE = 'hint';
export const FITNET_DISTILL_STAGE = 'distill';

/** The `fitnet` distiller: a hint regressor built at setup from the two features' shapes, trained beside the student. */
export class FitnetDistiller implements Distiller {
  readonly usesTeacher = true;
  private module?: HintRegressor;
  private studentModule = 'student';
  private tap?: { student: string; teacher: string };

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(readonly options: FitnetOptions) {}

  /** The regressor (after setup). */
  get regressor(): HintRegressor | undefined {
    return this.module;
  }

  /** The student and teacher feature names in use (after setup). */
  get features(): { student: string; teacher: string } | undefined {
    return this.tap;
  }

  setup(setup: DistillerSetup): void {
    const { student, rng } = setup;
    const teacher = setupTeacher(setup, 'fitnet');
    const o = this.options;
    const sNames = student.stages.map((s) => s.name);
    const tNames = teacher.stages.map((s) => s.name);
    const sStage = o.hintStage === 'auto' ? sNames[Math.floor((sNames.length - 1) / 2)] : o.hintStage;
    if (!sStage || !sNames.includes(sStage))
      throw new KdInputError(
        `/distiller/hintStage: "${o.hintStage}" is not a stage of the student (${student.spec.name}); expected "auto" or one of ${sNames.join(', ')}`,
      );
    const tStage = o.teacherStage === 'auto' ? sStage : o.teacherStage;
    if (!tNames.includes(tStage)) {
      const auto = o.teacherStage === 'auto' ? ` ("auto" takes the student's hint stage name; set teacherStage)` : '';
      throw new KdInputError(
        `/distiller/teacherStage: "${tStage}" is not a stage of the teacher (${teacher.spec.name}); expected one of ${tNames.join(', ')}${auto}`,
      );
    }
    const { pairs, shapes } = tapStages(student, teacher, [{ student: sStage, teacher: tStage }], o.feature);
    const { student: s, teacher: t } = pairs[0]!;
    const { student: sShape, teacher: tShape } = shapes[0]!;
    this.module?.dispose();
    this.module = new HintRegressor(regressorGeometry(sShape, tShape, o.kernelSize, '/distiller/hintStage'), rng, { relu: o.relu });
    this.tap = { student: s, teacher: t };
    this.studentModule = student.name;
  }

  extraModules(): readonly TrainableModule[] {
    return this.module ? [this.module] : [];
  }

  stages(): readonly StagePlan[] {
    if (this.options.hintEpochs === 0) return [{ name: 'train' }];
    return [
      { name: FITNET_HINT_STAGE, epochs: this.options.hintEpochs, trains: [this.studentModule, this.module?.name ?? 'regressor'] },
      { name: FITNET_DISTILL_STAGE, trains: [this.studentModule] },
    ];
  }

  computeLoss(inputs: LossInputs): LossTerms {
    const teacher = teacherOutput(inputs, 'fitnet');
    if (!this.module || !this.tap) throw new Error('fitnet distiller: computeLoss was called before setup');
    const o = this.options;
    if (o.hintEpochs > 0 && inputs.stage === FITNET_HINT_STAGE) {
      return tf.tidy(() => {
        const hint = hintLoss(
          this.module!.apply(featureOf(inputs.student, this.tap!.student, 'student', 'fitnet')),
          featureOf(teacher, this.tap!.teacher, 'teacher', 'fitnet'),
        );
        return { total: tf.mul(hint, o.hintWeight) as tf.Scalar, terms: { hint } };
      });
    }
    if (o.hintEpochs > 0) {
      // the paper's second stage: the regressor is done; only the logit terms train the whole student
      const ce = crossEntropy(inputs.student.logits, inputs.labels);
      if (o.kdWeight === 0) return { total: tf.mul(ce, o.ceWeight), terms: { ce } };
      const kd = logitKd(inputs.student.logits, teacher.logits, o.temperature);
      const total = weightedSum([
        [ce, o.ceWeight],
        [kd, o.kdWeight],
      ]);
      return { total, terms: { ce, kd } };
    }
    const r = tf.tidy(
      () =>
        fitnetLossTerms(
          {
            regressed: this.module!.apply(featureOf(inputs.student, this.tap!.student, 'student', 'fitnet')),
            teacherFeature: featureOf(teacher, this.tap!.teacher, 'teacher', 'fitnet'),
            studentLogits: inputs.student.logits,
            teacherLogits: teacher.logits,
            labels: inputs.labels,
          },
          o,
        ) as unknown as Record<string, tf.Scalar>,
    );
    return { total: r['total']!, terms: { ce: r['ce']!, hint: r['hint']!, ...(r['kd'] ? { kd: r['kd'] } : {}) } };
  }

  dispose(): void {
    this.module?.dispose();
    this.module = undefined;
  }
}
