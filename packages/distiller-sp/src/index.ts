export { spPlugin, register } from './plugin.js';
export { spOptionsSchema, type SpOptions } from './sp.options.js';
export { SpDistiller } from './sp.distiller.js';
export { spLossTerms, spStageLoss, type SpLossInputs, type SpLossOptions, type SpLossResult } from './sp.loss.js';
export { similarityMatrix, SP_NORM_EPS } from './similarity-matrix.js';
