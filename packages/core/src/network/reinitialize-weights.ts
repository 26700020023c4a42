import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initializeVariable, type InitializerSpec } from '../engine/initializers.js';
import type { Rng } from '../rng/rng.js';

/**
 * Re-draws the weights where a backbone's reference departs from PyTorch's defaults (which `LayersNetwork.finish`
 * draws first): `rule` sees each weight's scoped name and shape, in weight order, and returns the reference's
 * initialiser or `undefined` to keep it. Only re-drawn weights take values from `rng`, so the order is deterministic.
 */
export function reinitializeWeights(
  model: tfl.LayersModel,
  rng: Rng,
  rule: (name: string, shape: readonly number[]) => InitializerSpec | undefined,
): void {
  for (const w of model.weights) {
    const spec = rule(w.originalName, w.shape as number[]);
    if (spec) initializeVariable(w.read() as tf.Variable, spec, rng);
  }
}
