export { similarityPlugin, register } from './plugin.js';
export { SimilarityEvaluator, ckaMetricName } from './similarity.evaluator.js';
export { featureRows, resolveFeature } from './feature-ref.js';
export { similarityOptionsSchema, type SimilarityOptions, type FeaturePair } from './similarity.options.js';
