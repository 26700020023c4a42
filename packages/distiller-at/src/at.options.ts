import { AT_LOSS_DEFAULTS } from './at.loss.js';
import { type OptionsOf, teacherStagesOption, featureTapOption, studentStagesOption } from '@kd/core';

/**
 * JSON Schema (draft 2020-12) of the `at` distiller's options. Every property has a default and a description; the
 * loss weights' defaults are {@link AT_LOSS_DEFAULTS}, which `atLossTerms` also uses when called directly.
 */
export const atOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Attention transfer (Zagoruyko & Komodakis 2017): ceWeight·CE + β·Σ_stages mean_{b,positions}(Q_S − Q_T)² with Q = vec(mean_c |F|^p) / ‖·‖₂ per sample, plus an optional logit term kdWeight·τ²·KL.',
  properties: {
    name: { const: 'at', description: 'Selects the attention transfer (AT) distiller.' },
    beta: {
      type: 'number',
      minimum: 0,
      default: AT_LOSS_DEFAULTS.beta,
      description:
        'Weight β of the attention term, the sum over the paired stages of mean (Q_S − Q_T)² (mean over batch and H·W positions). mdistiller/RepDistiller CIFAR-100 default 1000 (the paper writes β/2 with β = 1000 and the mean over positions folded into β).',
    },
    p: {
      type: 'number',
      minimum: 1,
      default: AT_LOSS_DEFAULTS.p,
      description:
        'Exponent p of the attention map mean_c |F_c|^p. The paper and mdistiller use 2; below 1 the gradient at a zero activation is infinite, so 1 is the minimum.',
    },
    ceWeight: {
      type: 'number',
      minimum: 0,
      default: AT_LOSS_DEFAULTS.ceWeight,
      description: 'Weight of the cross-entropy with the hard labels. mdistiller default 1.',
    },
    kdWeight: {
      type: 'number',
      minimum: 0,
      default: AT_LOSS_DEFAULTS.kdWeight,
      description:
        'Weight of Hinton’s logit term τ²·KL(softmax(z_T/τ) ‖ softmax(z_S/τ)) (the paper’s AT+KD). 0, mdistiller’s AT, leaves it out and computes nothing.',
    },
    temperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: AT_LOSS_DEFAULTS.temperature,
      description: 'Temperature τ of the logit term (used only when kdWeight > 0).',
    },
    stages: {
      ...studentStagesOption,
      description:
        'Student stages to transfer attention at (names from the backbone’s stages, e.g. "stage2"). Empty: every stage name the student and teacher share, in order (mdistiller: all three CIFAR stages, not the stem).',
    },
    teacherStages: teacherStagesOption,
    feature: featureTapOption,
  },
} as const;

/** Options of the `at` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type AtOptions = OptionsOf<typeof atOptionsSchema>;
