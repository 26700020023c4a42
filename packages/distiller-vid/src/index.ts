export { vidPlugin, register } from './plugin.js';
export { vidOptionsSchema, type VidOptions } from './vid.options.js';
export { VidDistiller } from './vid.distiller.js';
export { vidLossTerms, vidStageLoss, vidNll, type VidLossInputs, type VidLossResult } from './vid.loss.js';
export { VidModule, VID_MODULE_NAME, type VidPairVariables } from './vid.module.js';
