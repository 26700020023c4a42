import { type OptionsOf, ceWeightOption } from '@kd/core';

/**
 * JSON Schema (draft 2020-12) of the `pkt` distiller's options. The defaults are mdistiller's CIFAR-100 PKT
 * configuration (`CFG.PKT`: CE_WEIGHT 1, FEAT_WEIGHT 30000), on the pooled embeddings.
 */
export const pktOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description:
    'Probabilistic knowledge transfer (Passalis & Tefas 2018): ceWeight·CE + β·mean_ij P_T·log((P_T + ε)/(P_S + ε)), P the row-normalised cosine-similarity kernel (cos + 1)/2 of the pooled embeddings in a batch, ε = 1e-7.',
  properties: {
    name: { const: 'pkt', description: 'Selects the probabilistic knowledge transfer (PKT) distiller.' },
    ceWeight: ceWeightOption,
    beta: {
      type: 'number',
      minimum: 0,
      default: 30000,
      description:
        'Weight β of the PKT term, the mean over the B × B entries of P_T·log((P_T + ε)/(P_S + ε)). mdistiller FEAT_WEIGHT 30000 and RepDistiller -b 30000 on CIFAR-100 (the mean over B² entries makes the term small, hence the large weight).',
    },
    excludeSelf: {
      type: 'boolean',
      default: false,
      description:
        'Leave each sample’s similarity with itself out of its conditional distribution, as the paper defines p(i|j) over k ≠ j. false, as the reference code does, keeps the diagonal (1 before normalising).',
    },
  },
} as const;

/** Options of the `pkt` distiller as its factory receives them: validated, with the schema's defaults applied. */
export type PktOptions = OptionsOf<typeof pktOptionsSchema>;
