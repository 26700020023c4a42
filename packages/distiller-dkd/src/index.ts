export {
  dkdLoss,
  dkdLossTerms,
  decomposeKl,
  DKD_LOSS_DEFAULTS,
  DKD_TARGET_MASK,
  type DkdLossOptions,
  type DkdLossResult,
  type KlDecomposition,
} from './dkd.loss.js';
export { dkdOptionsSchema, DKD_DEFAULT_WARMUP_EPOCHS, DKD_WARMUP_SCHEMA, type DkdOptions, type DkdWarmupUnit } from './dkd.options.js';
export { dkdWarmupFactor } from './dkd.warmup.js';
export { createDkdDistiller } from './dkd.distiller.js';
export { dkdPlugin, register } from './plugin.js';
