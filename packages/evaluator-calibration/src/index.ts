export { calibrationPlugin, register } from './plugin.js';
export { CalibrationEvaluator, tallyReliability, type ReliabilityOfSplit } from './calibration.evaluator.js';
export { top1Confidence, type Top1 } from './top1-confidence.js';
export { calibrationOptionsSchema, type CalibrationOptions } from './calibration.options.js';
export { ReliabilityTally, expectedCalibrationError, maximumCalibrationError, type ReliabilityBin } from './reliability.js';
