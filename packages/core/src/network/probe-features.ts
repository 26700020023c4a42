import * as tf from '@tensorflow/tfjs-core';
import { KdInputError } from '../errors/errors.js';
import type { Network } from '../contracts/network.js';

/** Which tensor of a stage is tapped: its output (`stage2`) or its pre-activation (`stage2_preact`). */
export type FeatureKind = 'output' | 'preact';
export const FEATURE_KINDS: readonly FeatureKind[] = ['output', 'preact'];

/** The feature name of a stage for a kind: `stage2` or `stage2_preact`. */
export function featureName(stage: string, kind: FeatureKind): string {
  return kind === 'preact' ? `${stage}_preact` : stage;
}

/**
 * Shapes (without the batch) of every named feature a network gives, from one inference pass on a zero image.
 * Features are only known from a forward pass (a stage's pre-activation can be larger than its output, as in the
 * cnn backbone where pooling ends the stage), so a distiller asks once at setup rather than at the first step.
 */
export function probeFeatures(network: Network): Record<string, readonly number[]> {
  return tf.tidy(() => {
    const out = network.apply(tf.zeros([1, ...network.inputShape]) as tf.Tensor4D, { training: false });
    return Object.fromEntries(Object.entries(out.features).map(([k, v]) => [k, v.shape.slice(1)]));
  });
}

/** Checks that `feature` exists with an NHWC shape; `pointer` is where the user chose it. */
export function requireSpatialFeature(
  role: 'student' | 'teacher',
  network: Network,
  shapes: Record<string, readonly number[]>,
  feature: string,
  pointer: string,
): readonly number[] {
  const shape = shapes[feature];
  const spatial = Object.keys(shapes).filter((k) => shapes[k]!.length === 3);
  if (!shape) {
    throw new KdInputError(
      `${pointer}: the ${role} backbone (${network.spec.name}) gives no feature "${feature}"; its stage features are ${spatial.join(', ') || '(none)'}`,
    );
  }
  if (shape.length !== 3) {
    throw new KdInputError(
      `${pointer}: the ${role} feature "${feature}" has shape ${JSON.stringify(shape)}; expected a spatial [H, W, C] feature`,
    );
  }
  return shape;
}
