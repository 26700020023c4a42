import type { PreactNorm, TrainableModule } from '../contracts/network.js';

/**
 * γ and β of the batch norm layer `layer` of a network, by its scope-free state-variable names (`<layer>/gamma`,
 * `<layer>/beta`), copied from the current weights (a teacher's are loaded after it is built). Backbones use it to
 * answer {@link Network.preactNorm}.
 */
export function batchNormAffine(network: Pick<TrainableModule, 'stateVariables'>, layer: string): PreactNorm {
  const byName = new Map(network.stateVariables().map((v) => [v.name, v.variable]));
  const gamma = byName.get(`${layer}/gamma`);
  const beta = byName.get(`${layer}/beta`);
  if (!gamma || !beta) throw new Error(`batch norm "${layer}" has no gamma/beta among the network's variables`);
  return { gamma: Float32Array.from(gamma.dataSync() as Float32Array), beta: Float32Array.from(beta.dataSync() as Float32Array) };
}
