import type { OptionsOf } from '@kd/core';
import { DKD_LOSS_DEFAULTS } from './dkd.loss.js';

/** mdistiller's CIFAR-100 warm-up length in epochs (`CFG.DKD.WARMUP`). */
export const DKD_DEFAULT_WARMUP_EPOCHS = 20;

/** `epoch`: mdistiller's factor, constant within an epoch. `step`: the same ramp, advanced after every batch. */
export type DkdWarmupUnit = DkdOptions['warmupUnit'];

/**
 * The warm-up options, shared by every distiller built on DKD's schedule (`aekt`): their two properties, and the rule
 * that a fractional length needs `warmupUnit: "step"` (its `if`/`then`, spread into the schema's top level).
 */
export const DKD_WARMUP_SCHEMA = {
  properties: {
    warmupEpochs: {
      type: 'number',
      minimum: 0,
      default: DKD_DEFAULT_WARMUP_EPOCHS,
      description:
        'Linear warm-up of the distillation part over this many epochs: factor min((epoch + 1) / warmupEpochs, 1) with the 0-based epoch of the stage, i.e. mdistiller’s min(epoch / warmup, 1) with epochs counted from 1 (1/20 in the first epoch, 1 from the 20th on). 0 disables the warm-up. mdistiller: 20 on CIFAR-100, 1 on ImageNet. A whole number with warmupUnit "epoch"; any number ≥ 0 with "step".',
    },
    warmupUnit: {
      type: 'string',
      enum: ['epoch', 'step'],
      default: 'epoch',
      description:
        'How often the warm-up factor advances. "epoch" (mdistiller): once per epoch, as above. "step": after every batch, min((epoch + (step + 1) / stepsPerEpoch) / warmupEpochs, 1) — the same line sampled per step, for runs of few long epochs (a 1-epoch run gets no warm-up at all per epoch).',
    },
  },
  rule: {
    // A fractional warm-up only makes sense when it advances per step.
    if: { type: 'object', properties: { warmupUnit: { const: 'epoch' } } },
    then: { type: 'object', properties: { warmupEpochs: { type: 'integer' } } },
  },
} as const;

/**
 * JSON Schema (draft 2020-12) of the `dkd` distiller's options. Every property has a default and a description; the
 * loss weights' defaults are {@link DKD_LOSS_DEFAULTS}, which `dkdLoss` (and AEKT) also use when called directly.
 */
export const dkdOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  ...DKD_WARMUP_SCHEMA.rule,
  required: ['name'],
  description:
    'Decoupled knowledge distillation (Zhao et al. 2022): ceWeight·CE + w(epoch)·τ²·(α·KL(binary target-vs-rest) + β·KL(non-target classes)), with a linear warm-up w of the distillation part.',
  properties: {
    name: { const: 'dkd', description: 'Selects the decoupled knowledge distillation (DKD) distiller.' },
    alpha: {
      type: 'number',
      minimum: 0,
      default: DKD_LOSS_DEFAULTS.alpha,
      description:
        'Weight α of TCKD, the τ²-scaled KL between the binary target-vs-rest distributions. mdistiller default 1.0 (the paper used 0.5 on ImageNet).',
    },
    beta: {
      type: 'number',
      minimum: 0,
      default: DKD_LOSS_DEFAULTS.beta,
      description:
        'Weight β of NCKD, the τ²-scaled KL between the distributions over the non-target classes. mdistiller CIFAR-100 default 8.0; 2.0 for res56→res20 and res110→res32; 6.0 for wrn40-2→wrn16-2, wrn40-2→wrn40-1, vgg13→vgg8, vgg13→MobileNetV2; 0.5 (ImageNet R34→R18) and 2.0 (R50→MobileNetV1).',
    },
    temperature: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DKD_LOSS_DEFAULTS.temperature,
      description:
        'Softmax temperature τ shared by teacher and student; both KL terms are multiplied by τ². CIFAR-100 default 4; ImageNet 1.',
    },
    ceWeight: {
      type: 'number',
      minimum: 0,
      default: DKD_LOSS_DEFAULTS.ceWeight,
      description: 'Weight of the cross-entropy with the hard labels (τ = 1). mdistiller default 1.0 (CIFAR-100 and ImageNet).',
    },
    ...DKD_WARMUP_SCHEMA.properties,
  },
} as const;

/** Options of the `dkd` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type DkdOptions = OptionsOf<typeof dkdOptionsSchema>;
