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
export {
  dkdPlugin,
  register,
  dkdOptionsSchema,
  createDkdDistiller,
  dkdWarmupFactor,
  DKD_DEFAULT_WARMUP_EPOCHS,
  DKD_WARMUP_SCHEMA,
  type DkdOptions,
  type DkdWarmupUnit,
} from './plugin.js';
