import type { DependencyContainer } from 'tsyringe';
import {
  API_VERSION,
  definePlugin,
  registerPlugin,
  type Distiller,
  type DistillerPlugin,
  type LossInputs,
  type LossTerms,
  type OptionsOf,
} from '@kd/core';
import { DKD_LOSS_DEFAULTS, dkdLossTerms } from './dkd.loss.js';

/** mdistiller's CIFAR-100 warm-up length in epochs (`CFG.DKD.WARMUP`). */
export const DKD_DEFAULT_WARMUP_EPOCHS = 20;

/** `epoch`: mdistiller's factor, constant within an epoch. `step`: the same ramp, advanced after every batch. */
export type DkdWarmupUnit = DkdOptions['warmupUnit'];

/**
 * The warm-up options, shared by every distiller built on DKD's schedule (`aekt`): their two properties, and the rule
 * that a fractional length needs `warmupUnit: "step"`.
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
  // A fractional warm-up only makes sense when it advances per step.
  if: { type: 'object', properties: { warmupUnit: { const: 'epoch' } } },
  then: { type: 'object', properties: { warmupEpochs: { type: 'integer' } } },
} as const;

/**
 * JSON Schema (draft 2020-12) of the `dkd` distiller's options. Every property has a default and a description; the
 * loss weights' defaults are {@link DKD_LOSS_DEFAULTS}, which `dkdLoss` (and AEKT) also use when called directly.
 */
export const dkdOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  if: DKD_WARMUP_SCHEMA.if,
  then: DKD_WARMUP_SCHEMA.then,
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

/**
 * The warm-up factor of DKD's distillation part for a 0-based `epoch`: `min((epoch + 1) / warmupEpochs, 1)`, which is
 * mdistiller's `min(epoch / warmup, 1)` with its 1-based epoch; constant within an epoch. With `unit: 'step'`, the
 * epoch is fractional, advanced after every batch: `min((epoch + (step + 1) / stepsPerEpoch) / warmupEpochs, 1)`.
 * `warmupEpochs = 0` gives 1.
 */
export function dkdWarmupFactor(
  epoch: number,
  warmupEpochs: number,
  { unit = 'epoch', step = 0, stepsPerEpoch = 1 }: { unit?: DkdWarmupUnit; step?: number; stepsPerEpoch?: number } = {},
): number {
  if (!Number.isFinite(warmupEpochs) || warmupEpochs < 0 || (unit === 'epoch' && !Number.isInteger(warmupEpochs))) {
    throw new RangeError(
      `dkd distiller: warmupEpochs must be ${unit === 'epoch' ? 'an integer' : 'a number'} ≥ 0 with warmupUnit "${unit}", got ${warmupEpochs}`,
    );
  }
  if (!Number.isFinite(epoch) || epoch < 0) throw new RangeError(`dkd distiller: epoch must be a number ≥ 0, got ${epoch}`);
  if (warmupEpochs === 0) return 1;
  const progress = unit === 'step' ? epoch + (step + 1) / Math.max(1, stepsPerEpoch) : epoch + 1;
  return Math.min(progress / warmupEpochs, 1);
}

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

export const dkdPlugin: DistillerPlugin<DkdOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'dkd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Decoupled knowledge distillation',
    description:
      'DKD: ceWeight·CE(student, labels) + w·τ²·(α·KL(b^T ‖ b^S) + β·KL(p̂^T ‖ p̂^S)) with binary target-vs-rest distributions b, non-target distributions p̂ and the linear warm-up w = min((epoch + 1) / warmupEpochs, 1).',
    paper: {
      title: 'Decoupled Knowledge Distillation',
      authors: 'Zhao, Cui, Song, Qiu, Liang',
      year: 2022,
      url: 'https://arxiv.org/abs/2203.08679',
    },
    optionsSchema: dkdOptionsSchema,
  },
  create: (options: DkdOptions) => createDkdDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, dkdPlugin);
}
