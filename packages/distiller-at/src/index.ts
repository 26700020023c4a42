export { atPlugin, register } from './plugin.js';
export { atOptionsSchema, type AtOptions } from './at.options.js';
export { AtDistiller } from './at.distiller.js';
export { atLoss, atLossTerms, atStageLoss, AT_LOSS_DEFAULTS, type AtLossInputs, type AtLossOptions, type AtLossResult } from './at.loss.js';
export { attentionMap, AT_NORM_EPS } from './attention-map.js';
export { adaptiveAvgPool2d, adaptivePoolMatrix } from './adaptive-avg-pool.js';
export { pairStages, type StagePair } from './feature-tap.js';
// Re-exported from core, where the feature probing and stop-gradient shared by the feature distillers live.
export { featureName, probeFeatures, requireSpatialFeature, FEATURE_KINDS, stopGradient, type FeatureKind } from '@kd/core';
