export { accuracyPlugin, register } from './plugin.js';
export { AccuracyEvaluator, type ClassReport } from './accuracy.evaluator.js';
export { topKAccuracy, tallyClassifier, type ClassifierTally } from './classifier-tally.js';
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
