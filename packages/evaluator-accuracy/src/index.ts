export { accuracyPlugin, register } from './plugin.js';
export { AccuracyEvaluator, topKAccuracy, tallyClassifier, type ClassifierTally, type ClassReport } from './accuracy.evaluator.js';
export { countTopK } from './top-k.js';
export { argMaxRow, isFiniteRow, labelRank } from './logit-rows.js';
export { accuracyOptionsSchema, type AccuracyOptions } from './accuracy.options.js';
export {
  addToConfusion,
  classMeanAccuracy,
  classSupport,
  emptyConfusion,
  perClassAccuracy,
  type ConfusionMatrix,
  type ConfusionTally,
} from './confusion.js';
