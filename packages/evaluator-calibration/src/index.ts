export { calibrationPlugin, register } from './plugin.js';
export { CalibrationEvaluator, tallyReliability } from './calibration.evaluator.js';
export { calibrationOptionsSchema, type CalibrationOptions } from './calibration.options.js';
export { ReliabilityTally, expectedCalibrationError, maximumCalibrationError, type ReliabilityBin } from './reliability.js';
