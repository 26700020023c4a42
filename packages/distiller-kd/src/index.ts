export {
  kdLoss,
  kdLossTerms,
  standardizeLogits,
  KD_LOSS_DEFAULTS,
  LOGIT_STANDARDIZATION_EPS,
  type KdLossOptions,
  type KdLossResult,
} from './kd.loss.js';
export { kdOptionsSchema, type KdOptions } from './kd.options.js';
export { createKdDistiller } from './kd.distiller.js';
export { kdPlugin, register } from './plugin.js';
