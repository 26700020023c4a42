import { type OptionsOf, studentStagesOption, teacherStagesOption, featureTapOption, ceWeightOption } from '@kd/core';

/**
 * JSON Schema (draft 2020-12) of the `vid` distiller's options: every property has a description and, where
 * optional, a default (the only place defaults are written).
 */
export const vidOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Variational information distillation (Ahn et al. 2019): ceWeight·CE + vidWeight·Σ_stages mean ½((μ(F_S) − F_T)²/σ² + log σ²), μ a conv1×1-ReLU-conv1×1-ReLU-conv1×1 regressor from each student stage to the teacher stage, σ² = softplus(α_c) + ε a learned variance per teacher channel.',
  properties: {
    name: { const: 'vid', description: 'Selects the variational information distillation (VID) distiller.' },
    vidWeight: {
      type: 'number',
      minimum: 0,
      default: 1,
      description:
        'Weight of the VID term, the sum over the paired stages of the Gaussian negative log-likelihood mean ½((μ − F_T)²/σ² + log σ²) (mean over batch, channels and positions; the constant ½·log 2π is left out). mdistiller CFG.VID FEAT_WEIGHT 1, RepDistiller -b 1.',
    },
    ceWeight: ceWeightOption,
    stages: {
      ...studentStagesOption,
      description:
        'Student stages to distil (names from the backbone’s stages, e.g. "stage2"). Empty: every stage name the student and teacher share, in order (mdistiller: feats[1:], every stage output after the stem).',
    },
    teacherStages: teacherStagesOption,
    feature: featureTapOption,
    initVariance: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 5,
      description:
        'Initial variance σ² of every teacher channel: α starts at log(exp(initVariance − ε) − 1), the inverse softplus, as the reference (INIT_PRED_VAR 5).',
    },
    eps: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 1e-5,
      description: 'ε added to softplus(α): the variance never falls below it (the reference’s EPS 1e-5).',
    },
    learnVariance: {
      type: 'boolean',
      default: true,
      description:
        'Train the per-channel variance α with the regressors, as the paper, the authors’ code and RepDistiller do. false keeps σ² at initVariance, which is what mdistiller’s VID does in effect: it keeps α in a plain Python list, so its optimiser never sees it.',
    },
  },
} as const;

/** Options of the `vid` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type VidOptions = OptionsOf<typeof vidOptionsSchema>;
