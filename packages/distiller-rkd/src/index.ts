export { rkdPlugin, register } from './plugin.js';
export { rkdOptionsSchema, type RkdOptions } from './rkd.options.js';
export { RkdDistiller } from './rkd.distiller.js';
export {
  rkdLossTerms,
  pairwiseDistances,
  normalisedDistances,
  angleCosines,
  smoothL1,
  type RkdLossInputs,
  type RkdLossOptions,
  type RkdLossResult,
} from './rkd.loss.js';
