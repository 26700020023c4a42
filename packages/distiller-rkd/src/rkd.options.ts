import { type OptionsOf, ceWeightOption } from '@kd/core';

/** JSON Schema (draft 2020-12) of the `rkd` distiller's options; the defaults are mdistiller's CIFAR-100 `CFG.RKD`. */
export const rkdOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Relational knowledge distillation (Park et al. 2019) on the pooled embedding: ceWeight·CE + distanceWeight·smoothL1(ψ_D(s), ψ_D(t)) + angleWeight·smoothL1(ψ_A(s), ψ_A(t)), as mdistiller’s RKD.py computes it.',
  properties: {
    name: { const: 'rkd', description: 'Selects the relational knowledge distillation (RKD) distiller.' },
    distanceWeight: {
      type: 'number',
      minimum: 0,
      default: 25,
      description:
        'Weight of the distance term: PyTorch’s smooth L1 (β 1, mean over the B×B matrix) between the student’s and the teacher’s pairwise embedding distances, each divided by the mean of its positive entries. mdistiller CFG.RKD.DISTANCE_WEIGHT and RepDistiller’s w_d: 25.',
    },
    angleWeight: {
      type: 'number',
      minimum: 0,
      default: 50,
      description:
        'Weight of the angle term: smooth L1 (mean over all B×B×B triples, degenerate ones included) between the cosines ⟨n_ij, n_ik⟩ of the unit difference vectors n_ij = (e_j − e_i)/‖e_j − e_i‖ of student and teacher. mdistiller CFG.RKD.ANGLE_WEIGHT and RepDistiller’s w_a: 50.',
    },
    ceWeight: ceWeightOption,
    squared: {
      type: 'boolean',
      default: false,
      description:
        'Compare squared distances instead of distances (mdistiller CFG.RKD.PDIST.SQUARED, false; the paper uses plain Euclidean distances).',
    },
    eps: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 1e-12,
      description:
        'Lower clamp of each squared distance before the square root, as the reference code’s pdist does (mdistiller CFG.RKD.PDIST.EPSILON, 1e-12); the clamp also stops the gradient for coincident samples.',
    },
  },
} as const;

/** Options of the `rkd` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type RkdOptions = OptionsOf<typeof rkdOptionsSchema>;
