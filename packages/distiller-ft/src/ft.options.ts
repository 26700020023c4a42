import type { OptionsOf } from '@kd/core';
import { teacherFactorSchemaProperties } from './teacher-factor.options.js';

/** JSON Schema (draft 2020-12) of the `ft` distiller's options. */
export const ftOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Factor transfer (Kim et al. 2018): stage 1 trains a paraphraser (auto-encoder) on the frozen teacher’s feature; stage 2 trains the student and a translator with ceWeight·CE + β·mean|n(T(f_S)) − n(P(f_T))|^p.',
  properties: {
    name: { const: 'ft', description: 'Selects the factor transfer (FT) distiller.' },
    beta: {
      type: 'number',
      minimum: 0,
      default: 500,
      description:
        'Weight β of the factor-transfer loss (IE-KD repository’s FT: 500; RepDistiller: 200; the FT paper: 10³ with a sum-reduced form).',
    },
    p: { enum: [1, 2], default: 1, description: 'Distance exponent: 1 (the paper’s L1, reference default) or 2.' },
    distanceForm: {
      enum: ['root', 'power'],
      default: 'root',
      description:
        'How the p = 2 distance is reduced: "root" √(mean d²), as the official IE-KD code’s _factor_transfer, (Σ|d|^p / numel)^(1/p); "power" the mean square mean d². No effect with p = 1.',
    },
    ceWeight: { type: 'number', minimum: 0, default: 1, description: 'Weight of the cross-entropy with the hard labels.' },
    ...teacherFactorSchemaProperties,
  },
} as const;

/** Options of the `ft` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type FtOptions = OptionsOf<typeof ftOptionsSchema>;
