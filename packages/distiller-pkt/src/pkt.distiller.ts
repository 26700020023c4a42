import { embeddingLossInputs, type Distiller, type LossInputs, type LossTerms } from '@kd/core';
import { pktLossTerms } from './pkt.loss.js';
import type { PktOptions } from './pkt.options.js';

/**
 * The `pkt` distiller: no trainable module and no setup. It compares the pooled embeddings (the vector before each
 * network's classifier), which may differ in width, as the reference code compares `pooled_feat`.
 */
export class PktDistiller implements Distiller {
  readonly usesTeacher = true;

  /** `options` as the plugin factory receives them: validated, with the schema's defaults applied. */
  constructor(private readonly options: PktOptions) {}

  computeLoss(inputs: LossInputs): LossTerms {
    const r = pktLossTerms(embeddingLossInputs(inputs, 'pkt'), this.options);
    return { total: r.total, terms: { ce: r.ce, pkt: r.pkt } };
  }
}
