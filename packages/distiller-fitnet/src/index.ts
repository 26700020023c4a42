export { fitnetPlugin, register } from './plugin.js';
export { fitnetOptionsSchema, type FitnetOptions } from './fitnet.options.js';
export { FitnetDistiller, FITNET_HINT_STAGE, FITNET_DISTILL_STAGE } from './fitnet.distiller.js';
export {
  fitnetLossTerms,
  hintLoss,
  logitKd,
  FITNET_LOSS_DEFAULTS,
  type FitnetLossInputs,
  type FitnetLossOptions,
  type FitnetLossResult,
} from './fitnet.loss.js';
export { HintRegressor, regressorGeometry, REGRESSOR_MODULE_NAME, type RegressorGeometry, type RegressorMode } from './regressor.js';
// Re-exported from core, where the feature probing and stop-gradient shared by the feature distillers live.
export { featureName, probeFeatures, requireSpatialFeature, FEATURE_KINDS, stopGradient, type FeatureKind } from '@kd/core';
