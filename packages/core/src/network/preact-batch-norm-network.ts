import type { PreactNorm } from '../contracts/network.js';
import { LayersNetwork } from './layers-network.js';
import { batchNormAffine } from './preact-norm.js';

/**
 * A tfjs-layers backbone whose `stageN_preact` features are batch norm outputs (the reference's
 * `get_bn_before_relu`): its builder records which norm produced each with `preactFrom`, and `preactNorm` answers
 * with that norm's current γ and β (a teacher's weights are loaded after it is built).
 */
export abstract class PreactBatchNormNetwork extends LayersNetwork {
  private readonly preactBn = new Map<string, string>();

  preactNorm(feature: string): PreactNorm | undefined {
    const bn = this.preactBn.get(feature);
    return bn === undefined ? undefined : batchNormAffine(this, bn);
  }

  /** `feature` is the output of the batch norm layer `layer` (its scope-free name). */
  protected preactFrom(feature: string, layer: string): void {
    this.preactBn.set(feature, layer);
  }
}
