import type { OptionsOf } from '@kd/core';

/**
 * JSON Schema (draft 2020-12) of the `dist` distiller's options. The defaults are the official CIFAR-100 setting
 * (hunto/image_classification_sota configs/strategies/distill/dist_cifar.yaml: `kd: dist_t4`, ori_loss_weight 1,
 * kd_loss_weight 2 on top of β = γ = 1).
 */
export const distOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'DIST (Huang et al. 2022): ceWeight·CE + τ²·(β·inter + γ·intra), y = softmax(z/τ), inter = 1 − mean over samples of Pearson(y_S[b], y_T[b]), intra = 1 − mean over classes of Pearson(y_S[:, c], y_T[:, c]).',
  properties: {
    name: { const: 'dist', description: 'Selects the DIST (relation-based logit distillation) distiller.' },
    ceWeight: {
      type: 'number',
      minimum: 0,
      default: 1,
      description: 'Weight of the cross-entropy with the hard labels (ori_loss_weight 1 in the official configs).',
    },
    beta: {
      type: 'number',
      minimum: 0,
      default: 2,
      description:
        'Weight β of the inter-class term (1 − mean per-sample Pearson correlation of the class probabilities). The official code has β = 1 inside a KD loss weighted 2 (kd_loss_weight) on CIFAR-100 and ImageNet, i.e. 2 here.',
    },
    gamma: {
      type: 'number',
      minimum: 0,
      default: 2,
      description:
        'Weight γ of the intra-class term (1 − mean per-class Pearson correlation over the batch). Official: γ = 1 times kd_loss_weight 2, i.e. 2 here.',
    },
    temperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 4,
      description: 'Softmax temperature τ of both networks’ probabilities. Official CIFAR-100 config 4 (dist_t4); ImageNet configs use 1.',
    },
    scaleByTemperatureSquared: {
      type: 'boolean',
      default: true,
      description: 'Multiply both relation terms by τ², as the official code does (a no-op at τ = 1). false leaves them unscaled.',
    },
  },
} as const;

/** Options of the `dist` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type DistOptions = OptionsOf<typeof distOptionsSchema>;
