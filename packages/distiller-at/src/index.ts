export { atPlugin, register } from './plugin.js';
export { atOptionsSchema, type AtOptions } from './at.options.js';
export { AtDistiller } from './at.distiller.js';
export { atLoss, atLossTerms, atStageLoss, AT_LOSS_DEFAULTS, type AtLossInputs, type AtLossOptions, type AtLossResult } from './at.loss.js';
export { attentionMap, AT_NORM_EPS } from './attention-map.js';
