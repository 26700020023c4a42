import { type OptionsOf, ceWeightOption } from '@kd/core';

/**
 * JSON Schema (draft 2020-12) of the `crd` distiller's options. Defaults are mdistiller's CIFAR-100 CRD configuration
 * (`CFG.CRD`), which RepDistiller's `train_student.py --distill crd -r 1 -a 0 -b 0.8` shares.
 */
export const crdOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Contrastive Representation Distillation (Tian, Krishnan, Isola 2020): ceWeight·CE + crdWeight·NCE(student embedding vs. teacher memory bank, and teacher embedding vs. student memory bank) + optional kdWeight·τ²·KL, with linear+L2 embedding heads and one momentum-updated memory bank per side over the training set.',
  properties: {
    name: { const: 'crd', description: 'Selects the CRD distiller.' },
    ceWeight: ceWeightOption,
    crdWeight: {
      type: 'number',
      minimum: 0,
      default: 0.8,
      description:
        'Weight of the contrastive term (the sum of the two NCE losses, student-anchored and teacher-anchored). mdistiller FEAT_WEIGHT 0.8 (RepDistiller -b 0.8).',
    },
    kdWeight: {
      type: 'number',
      minimum: 0,
      default: 0,
      description:
        'Weight of Hinton’s logit term τ²·KL(softmax(z_T/τ) ‖ softmax(z_S/τ)). 0 is CRD as mdistiller runs it; the paper’s “CRD+KD” row is RepDistiller’s -a 1 (kdWeight 1).',
    },
    temperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 4,
      description: 'Temperature τ of the logit term (used only when kdWeight > 0). RepDistiller --kd_T 4.',
    },
    featureDim: {
      type: 'integer',
      minimum: 1,
      default: 128,
      description:
        'Dimension of the embedding space: both heads map the pooled embeddings (NetworkOutput.embedding) through a linear layer to this many values, then L2-normalise. mdistiller FEAT.DIM / RepDistiller --feat_dim 128.',
    },
    negatives: {
      type: 'integer',
      minimum: 1,
      default: 16384,
      description: 'Negatives K drawn per sample and step (see negativeSampling). mdistiller NCE.K / RepDistiller --nce_k 16384.',
    },
    negativeSampling: {
      enum: ['otherClass', 'uniform'],
      default: 'otherClass',
      description:
        'How the K negatives are drawn. "otherClass": from the training samples of the other classes, distinct unless there are fewer than K, as the reference CIFAR-100 loaders of RepDistiller and mdistiller do (mode "exact"; they produced the published numbers); needs the dataset to give its train labels. "uniform": uniformly with replacement over the whole training split, ContrastMemory’s own fallback sampler when a loader gives no contrast indices.',
    },
    nceTemperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 0.07,
      description: 'Temperature T of the scores exp(bank · v / T). mdistiller NCE.TEMPERATURE / RepDistiller --nce_t 0.07.',
    },
    momentum: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description:
        'Memory update: after each step the batch’s own rows become normalize(momentum·row + (1 − momentum)·v). mdistiller NCE.MOMENTUM / RepDistiller --nce_m 0.5.',
    },
  },
} as const;

/** Options of the `crd` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type CrdOptions = OptionsOf<typeof crdOptionsSchema>;
