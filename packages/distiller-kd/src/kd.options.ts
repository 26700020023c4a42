import type { OptionsOf } from '@kd/core';
import { KD_LOSS_DEFAULTS } from './kd.loss.js';

/**
 * JSON Schema (draft 2020-12) of the `kd` distiller's options. Every property has a default and a description; the
 * defaults are {@link KD_LOSS_DEFAULTS}, which `kdLoss` also uses when called directly without options.
 */
export const kdOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Classic knowledge distillation (Hinton et al. 2015): weighted hard-label cross-entropy plus τ²-scaled KL divergence to the teacher at temperature τ.',
  properties: {
    name: { const: 'kd', description: 'Selects the classic KD distiller.' },
    ceWeight: {
      type: 'number',
      minimum: 0,
      default: KD_LOSS_DEFAULTS.ceWeight,
      description: 'Weight of the cross-entropy with the hard labels (τ = 1). CIFAR-100 benchmark default 0.1; mdistiller ImageNet 0.5.',
    },
    kdWeight: {
      type: 'number',
      minimum: 0,
      default: KD_LOSS_DEFAULTS.kdWeight,
      description:
        'Weight of the distillation term (KL divergence to the teacher at temperature τ). CIFAR-100 benchmark default 0.9; mdistiller ImageNet 0.5.',
    },
    temperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: KD_LOSS_DEFAULTS.temperature,
      description: 'Softmax temperature τ shared by teacher and student. CIFAR-100 default 4; mdistiller ImageNet 1; Hinton MNIST 20.',
    },
    scaleByTemperatureSquared: {
      type: 'boolean',
      default: KD_LOSS_DEFAULTS.scaleByTemperatureSquared,
      description: 'Multiply the KL term by τ² so that its gradient magnitude does not shrink as 1/τ² (Hinton et al. 2015).',
    },
    standardizeLogits: {
      type: 'boolean',
      default: KD_LOSS_DEFAULTS.standardizeLogits,
      description:
        'Logit standardisation (Sun et al., CVPR 2024): z-score each sample’s teacher and student logits, (z − mean) / (std + 1e-7), before dividing by τ. The cross-entropy keeps the raw logits. The authors pair it with τ = 2 and kdWeight = 9 on CIFAR-100.',
    },
  },
} as const;

/** Options of the `kd` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type KdOptions = OptionsOf<typeof kdOptionsSchema>;
