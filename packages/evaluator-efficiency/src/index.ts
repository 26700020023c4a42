export { efficiencyPlugin, register } from './plugin.js';
export { EfficiencyEvaluator } from './efficiency.evaluator.js';
export { measureLatency, type Latency } from './latency.js';
export { median } from './median.js';
export { efficiencyOptionsSchema, type EfficiencyOptions } from './efficiency.options.js';
