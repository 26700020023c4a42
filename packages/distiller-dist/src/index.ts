export { distPlugin, register } from './plugin.js';
export { distOptionsSchema, type DistOptions } from './dist.options.js';
export { DistDistiller } from './dist.distiller.js';
export { distLossTerms, type DistLossOptions, type DistLossResult } from './dist.loss.js';
export { pearsonRows, PEARSON_EPS } from './pearson.js';
