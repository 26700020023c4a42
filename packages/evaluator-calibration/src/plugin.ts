import { API_VERSION, definePlugin, registerPlugin, type EvaluatorPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { calibrationOptionsSchema, type CalibrationOptions } from './calibration.options.js';
import { CalibrationEvaluator } from './calibration.evaluator.js';

export const calibrationPlugin: EvaluatorPlugin<CalibrationOptions> = definePlugin({
  manifest: {
    kind: 'evaluator',
    name: 'calibration',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Calibration',
    description: 'Expected and maximum calibration error and reliability-diagram data of the student (and teacher).',
    paper: {
      title: 'On Calibration of Modern Neural Networks',
      authors: 'Guo, Pleiss, Sun, Weinberger',
      year: 2017,
      url: 'https://arxiv.org/abs/1706.04599',
    },
    optionsSchema: calibrationOptionsSchema,
  },
  create: (options) => new CalibrationEvaluator(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, calibrationPlugin);
}
