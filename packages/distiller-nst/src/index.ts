export { nstPlugin, register } from './plugin.js';
export { nstOptionsSchema, type NstOptions } from './nst.options.js';
export { NstDistiller } from './nst.distiller.js';
export {
  nstLossTerms,
  nstStageLoss,
  channelDistributions,
  type NstKernel,
  type NstLossInputs,
  type NstLossOptions,
  type NstLossResult,
} from './nst.loss.js';
