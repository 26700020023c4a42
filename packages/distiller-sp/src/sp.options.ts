import { type OptionsOf, teacherStagesOption, featureTapOption, ceWeightOption, studentStagesOption } from '@kd/core';

/**
 * JSON Schema (draft 2020-12) of the `sp` distiller's options. The defaults are mdistiller's CIFAR-100 SP
 * configuration (`CFG.SP`: CE_WEIGHT 1, FEAT_WEIGHT 3000, the last stage only).
 */
export const spOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Similarity-preserving KD (Tung & Mori 2019): ceWeight·CE + β·Σ_stages ‖G_S − G_T‖²_F / B², G = row-L2-normalised F·Fᵀ of the flattened per-sample features (B × B).',
  properties: {
    name: { const: 'sp', description: 'Selects the similarity-preserving (SP) distiller.' },
    ceWeight: ceWeightOption,
    beta: {
      type: 'number',
      minimum: 0,
      default: 3000,
      description:
        'Weight β of the similarity term Σ_stages ‖G_S − G_T‖²_F / B². mdistiller FEAT_WEIGHT 3000 and RepDistiller -b 3000 on CIFAR-100.',
    },
    stages: {
      ...studentStagesOption,
      description:
        'Student stages whose features are compared (names from the backbone’s stages, e.g. "stage2"); one term per stage, summed. Empty: the student’s last stage paired with the teacher’s last stage, as mdistiller (feats[-1]) and RepDistiller’s training loop (feat[-2], the last stage before pooling) do.',
    },
    teacherStages: teacherStagesOption,
    feature: featureTapOption,
  },
} as const;

/** Options of the `sp` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type SpOptions = OptionsOf<typeof spOptionsSchema>;
