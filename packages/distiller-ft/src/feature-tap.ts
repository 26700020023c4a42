import type * as tf from '@tensorflow/tfjs-core';
import { KdInputError, probeFeatures, type Network, type NetworkOutput } from '@kd/core';

/** A resolved tap: which feature of a network's output to read, and its NHWC shape without the batch. */
export interface FeatureTap {
  readonly name: string;
  readonly shape: readonly [number, number, number];
}

/**
 * Resolves a feature option ("last" or a feature name) against a network with one inference pass on a zero image,
 * so names that are not stage boundaries (`stage2_preact`) work too. Errors name the option's JSON pointer.
 */
export function resolveFeatureTap(network: Network, option: string, pointer: string): FeatureTap {
  const name = option === 'last' ? network.stages[network.stages.length - 1]?.name : option;
  if (!name) throw new KdInputError(`${pointer}: the ${network.spec.name} network has no stages to tap`);
  const shapes = probeFeatures(network);
  const shape = shapes[name];
  if (!shape)
    throw new KdInputError(
      `${pointer}: ${JSON.stringify(option)} is not a feature of the ${network.spec.name} network; expected "last" or one of ${Object.keys(
        shapes,
      )
        .map((k) => JSON.stringify(k))
        .join(', ')}`,
    );
  if (shape.length !== 3)
    throw new KdInputError(`${pointer}: feature ${JSON.stringify(name)} has shape [${shape.join(', ')}]; expected an NHWC feature map`);
  return { name, shape: shape as [number, number, number] };
}

/** The tapped feature of a forward pass. */
export function tapped(out: NetworkOutput, tap: FeatureTap): tf.Tensor4D {
  const f = out.features[tap.name];
  if (!f) throw new Error(`feature ${JSON.stringify(tap.name)} is missing from the network output`);
  return f as tf.Tensor4D;
}
