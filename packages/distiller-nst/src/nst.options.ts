import { type OptionsOf, teacherStagesOption, featureTapOption, ceWeightOption, studentStagesOption } from '@kd/core';

/** JSON Schema (draft 2020-12) of the `nst` distiller's options; the defaults are mdistiller's CIFAR-100 `CFG.NST`. */
export const nstOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Neuron selectivity transfer (Huang & Wang 2017): ceWeight·CE + β·Σ_stages MMD² between the student’s and the teacher’s channels, each channel a unit vector over the spatial positions, with the polynomial kernel (⟨a, b⟩ + c)^d, as mdistiller’s NST.py computes it.',
  properties: {
    name: { const: 'nst', description: 'Selects the neuron selectivity transfer (NST) distiller.' },
    beta: {
      type: 'number',
      minimum: 0,
      default: 50,
      description:
        'Weight β of the NST term, the sum over the paired stages of mean k(T, T) + mean k(S, S) − 2·mean k(S, T) (means over the batch and both channel axes). mdistiller CFG.NST.LOSS.FEAT_WEIGHT and RepDistiller’s -b: 50.',
    },
    ceWeight: ceWeightOption,
    degree: {
      type: 'integer',
      minimum: 1,
      default: 2,
      description:
        'Degree d of the polynomial kernel k(a, b) = (⟨a, b⟩ + c)^d. The reference code and the paper’s best CIFAR setting use 2; 1 is the paper’s linear kernel.',
    },
    c: {
      type: 'number',
      minimum: 0,
      default: 0,
      description: 'Offset c of the polynomial kernel. The reference code and the paper use 0.',
    },
    stages: {
      ...studentStagesOption,
      description:
        'Student stages to transfer (names from the backbone’s stages, e.g. "stage2"). Empty: every stage name the student and teacher share, in order (mdistiller: feats[1:], every stage but not the stem).',
    },
    teacherStages: teacherStagesOption,
    feature: featureTapOption,
  },
} as const;

/** Options of the `nst` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type NstOptions = OptionsOf<typeof nstOptionsSchema>;
