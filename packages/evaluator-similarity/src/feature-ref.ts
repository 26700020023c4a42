import * as tf from '@tensorflow/tfjs-core';
import { KdInputError, type Network, type NetworkOutput } from '@kd/core';

/** Resolves a feature reference of the options to the name of one of the network's outputs. */
export function resolveFeature(network: Network, ref: string): string {
  if (ref === 'embedding' || ref === 'logits') return ref;
  if (ref === 'last') {
    const last = network.stages[network.stages.length - 1];
    // A network without declared stages has no feature maps: its embedding is its last representation.
    return last ? last.name : 'embedding';
  }
  return ref;
}

/** The chosen output of a forward pass as rows [batch, d], so that any two can be compared. */
export function featureRows(
  network: Network,
  out: NetworkOutput,
  name: string,
  reduce: 'flatten' | 'spatialMean',
  pointer: string,
): tf.Tensor2D {
  const t = name === 'embedding' ? out.embedding : name === 'logits' ? out.logits : out.features[name];
  if (!t) {
    const known = ['last', 'embedding', 'logits', ...Object.keys(out.features)];
    throw new KdInputError(
      `${pointer}: "${name}" is not a feature of the ${network.spec.name} network; expected one of ${known.join(', ')}`,
    );
  }
  const n = t.shape[0];
  if (t.rank === 4 && reduce === 'spatialMean') return tf.mean(t, [1, 2]) as tf.Tensor2D;
  return tf.reshape(t, [n, -1]) as tf.Tensor2D;
}
