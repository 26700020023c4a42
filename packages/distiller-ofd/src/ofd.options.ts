import { type OptionsOf, studentStagesOption, teacherStagesOption, ceWeightOption } from '@kd/core';

/**
 * JSON Schema (draft 2020-12) of the `ofd` distiller's options: every property has a description and, where
 * optional, a default (the only place defaults are written).
 */
export const ofdOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Overhaul of feature distillation (Heo et al. 2019): ceWeight·CE + ofdWeight·Σ_i 2^−(n−1−i)·(1/B)·Σ (r(F_S) − max(F_T, m))²·[r(F_S) > max(F_T, m) or F_T > 0] on pre-ReLU features, r a conv + BN connector, m the teacher’s per-channel margin from the batch norm before its ReLU.',
  properties: {
    name: { const: 'ofd', description: 'Selects the overhaul-of-feature-distillation (OFD) distiller.' },
    ofdWeight: {
      type: 'number',
      minimum: 0,
      default: 0.001,
      description:
        'Weight of the distillation term, whose stages are summed over channels and positions and averaged over the batch (not averaged over elements). mdistiller CFG.OFD FEAT_WEIGHT 0.001; the authors’ code divides the summed loss by the batch and by 1000, the same.',
    },
    ceWeight: ceWeightOption,
    stages: {
      ...studentStagesOption,
      description:
        'Student stages to distil at, by their pre-activation stageN_preact (the feature before the stage’s last ReLU). Empty: every stage name the student and teacher share, in order (mdistiller: preact_feats[1:], every stage after the stem). Stage i of n is weighted 2^−(n−1−i): the last ×1, the one before ×½, …',
    },
    teacherStages: teacherStagesOption,
    connectorKernelSize: {
      enum: [1, 3],
      default: 1,
      description:
        'Kernel of the connector’s convolution (stride 1, padding (k − 1)/2, no bias) before its batch norm. mdistiller CONNECTOR.KERNEL_SIZE 1, as the authors’ code.',
    },
  },
} as const;

/** Options of the `ofd` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type OfdOptions = OptionsOf<typeof ofdOptionsSchema>;
