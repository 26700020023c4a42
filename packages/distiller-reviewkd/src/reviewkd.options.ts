import { type OptionsOf, ceWeightOption } from '@kd/core';

/** JSON Schema (draft 2020-12) of the `reviewkd` distiller's options; defaults are mdistiller's `CFG.REVIEWKD`. */
export const reviewkdOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'ReviewKD (Chen et al. 2021): ceWeight·CE + reviewkdWeight·min(epoch/warmupEpochs, 1)·Σ_levels HCL(ABF-fused student maps, teacher maps), where attention-based fusion (ABF) modules combine every student stage and the pooled embedding from the deepest level to the shallowest.',
  properties: {
    name: { const: 'reviewkd', description: 'Selects the ReviewKD distiller.' },
    ceWeight: ceWeightOption,
    reviewkdWeight: {
      type: 'number',
      minimum: 0,
      default: 1,
      description:
        'Weight of the review loss (the sum over levels of the hierarchical context loss). mdistiller REVIEWKD_WEIGHT 1.0 by default; its ResNet-32×4 → ResNet-8×4 config uses 5.0.',
    },
    warmupEpochs: {
      type: 'integer',
      minimum: 0,
      default: 20,
      description:
        'The review loss is scaled by min(e / warmupEpochs, 1) in the e-th epoch of the stage (1-based, as mdistiller’s trainer counts), constant within an epoch; 0 applies the full weight from the start. mdistiller WARMUP_EPOCHS 20.',
    },
    studentFeature: {
      enum: ['output', 'preact'],
      default: 'output',
      description:
        'Which student tensor of each stage is reviewed: the stage output (mdistiller STU_PREACT false) or its pre-activation (stageN_preact).',
    },
    teacherFeature: {
      enum: ['output', 'preact'],
      default: 'preact',
      description: 'Which teacher tensor of each stage is the target: mdistiller takes the pre-activations (preact_feats).',
    },
    maxMidChannels: {
      type: 'integer',
      minimum: 1,
      default: 512,
      description:
        'The ABF modules work at min(maxMidChannels, width of the student’s pooled embedding) channels (mdistiller hard-codes min(512, in_channels[-1])).',
    },
  },
} as const;

/** Options of the `reviewkd` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type ReviewkdOptions = OptionsOf<typeof reviewkdOptionsSchema>;
