export { accuracyPlugin, register } from './plugin.js';
export { AccuracyEvaluator, topKAccuracy } from './accuracy.evaluator.js';
export { countTopK } from './top-k.js';
export { accuracyOptionsSchema, type AccuracyOptions } from './accuracy.options.js';
