import { NORMALIZATION_PRESETS } from './normalize.js';
import type { TransformSpec } from './transform-spec.js';

/**
 * The list with every normalize preset replaced by its mean and std: what a dataset reports as its evaluation
 * preprocessing (DatasetInfo.evalTransforms), readable by code that does not know the preset names.
 */
export function withExplicitNormalization(specs: readonly TransformSpec[]): TransformSpec[] {
  return specs.map((s) => {
    if (s.type !== 'normalize' || !s.preset) return s;
    const { mean, std } = NORMALIZATION_PRESETS[s.preset];
    return { type: 'normalize', mean: [...mean], std: [...std] };
  });
}
