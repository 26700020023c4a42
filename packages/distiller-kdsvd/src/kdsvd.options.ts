import { type OptionsOf, teacherStagesOption, featureTapOption, ceWeightOption, studentStagesOption } from '@kd/core';

/** JSON Schema (draft 2020-12) of the `kdsvd` distiller's options; the defaults are mdistiller's CIFAR-100 `CFG.KDSVD`. */
export const kdsvdOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'KD-SVD (Lee et al. 2018): ceWeight·CE + β·Σ over consecutive stage pairs of the squared difference between the student’s and the teacher’s radial-basis correlations of their top right singular vectors, as mdistiller’s KDSVD.py computes it.',
  properties: {
    name: { const: 'kdsvd', description: 'Selects the SVD-based self-supervised knowledge distillation (KD-SVD) distiller.' },
    beta: {
      type: 'number',
      minimum: 0,
      default: 1,
      description:
        'Weight β of the KD-SVD term: Σ over stages i ≥ 2 of Σ (rbf_S − rbf_T)² / B, rbf(v)_pq = exp(−(v^i_p − v^{i−1}_q)² / 8). mdistiller CFG.KDSVD.LOSS.FEAT_WEIGHT: 1.',
    },
    ceWeight: ceWeightOption,
    k: {
      type: 'integer',
      minimum: 1,
      default: 1,
      description:
        'How many of the teacher’s top right singular vectors each stage keeps, each scaled by its share of the top-k singular values (L2-normalised; 1 for k = 1). mdistiller CFG.KDSVD.K: 1.',
    },
    extraCandidates: {
      type: 'integer',
      minimum: 0,
      default: 3,
      description:
        'The student offers k + extraCandidates of its top right singular vectors; each teacher vector is matched with the one of largest |cosine|, its sign flipped to agree. The reference code uses k + 3.',
    },
    vectorsOver: {
      enum: ['width', 'channels'],
      default: 'width',
      description:
        'What a singular vector ranges over. "width": the reference PyTorch code’s feature.view(B, C·H, W) of the NCHW map, so vectors are over the W image columns (student and teacher widths must agree). "channels": the [B, H·W, C] matrix of the original TensorFlow code, vectors over channels (channel counts must agree).',
    },
    stages: {
      ...studentStagesOption,
      description:
        'Student stages, at least two (the loss relates consecutive ones). Empty: every stage name the student and teacher share, in order (mdistiller: feats[1:], every stage but not the stem).',
    },
    teacherStages: teacherStagesOption,
    feature: featureTapOption,
  },
} as const;

/** Options of the `kdsvd` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type KdsvdOptions = OptionsOf<typeof kdsvdOptionsSchema>;
