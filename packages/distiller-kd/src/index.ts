export {
  kdLoss,
  kdLossTerms,
  standardizeLogits,
  KD_LOSS_DEFAULTS,
  LOGIT_STANDARDIZATION_EPS,
  type KdLossOptions,
  type KdLossResult,
} from './kd.loss.js';
export { kdPlugin, register, kdOptionsSchema, createKdDistiller, type KdOptions } from './plugin.js';
