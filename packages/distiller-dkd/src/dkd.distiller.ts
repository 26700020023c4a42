import type { Distiller, LossInputs, LossTerms } from '@kd/core';
import { dkdLossTerms } from './dkd.loss.js';
import type { DkdOptions } from './dkd.options.js';
import { dkdWarmupFactor } from './dkd.warmup.js';

/** The `dkd` distiller: no extra modules, one loss per step, needs the teacher's logits. */
export function createDkdDistiller(options: DkdOptions): Distiller {
  const { warmupEpochs, warmupUnit: unit, alpha, beta, temperature, ceWeight } = options;
  dkdWarmupFactor(0, warmupEpochs, { unit }); // validates warmupEpochs now rather than at the first step
  const lossOptions = { alpha, beta, temperature, ceWeight };
  return {
    usesTeacher: true,
    computeLoss(inputs: LossInputs): LossTerms {
      if (!inputs.teacher) throw new Error('dkd distiller: the teacher output is missing (usesTeacher is true)');
      const warmupFactor = dkdWarmupFactor(inputs.epoch, warmupEpochs, { unit, step: inputs.step, stepsPerEpoch: inputs.stepsPerEpoch });
      const { total, ce, tckd, nckd } = dkdLossTerms(inputs.student.logits, inputs.teacher.logits, inputs.labels, {
        ...lossOptions,
        warmupFactor,
      });
      return { total, terms: { ce, tckd, nckd } };
    },
  };
}
