export { reviewkdPlugin, register } from './plugin.js';
export { reviewkdOptionsSchema, type ReviewkdOptions } from './reviewkd.options.js';
export { ReviewkdDistiller, warmupFactor } from './reviewkd.distiller.js';
export { ReviewFusion, REVIEWKD_MODULE_NAME, squareSize, type ReviewLevel } from './abf.js';
export { hclLevel, hclLoss, HCL_POOL_SIZES } from './reviewkd.loss.js';
