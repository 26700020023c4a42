import { API_VERSION, definePlugin, registerPlugin, type EvaluatorPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { accuracyOptionsSchema, type AccuracyOptions } from './accuracy.options.js';
import { AccuracyEvaluator } from './accuracy.evaluator.js';

export const accuracyPlugin: EvaluatorPlugin<AccuracyOptions> = definePlugin({
  manifest: {
    kind: 'evaluator',
    name: 'accuracy',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Top-k accuracy',
    description: 'Top-1/top-5 accuracy, per-class accuracy and confusion matrix of the student and the teacher on the evaluation split.',
    optionsSchema: accuracyOptionsSchema,
  },
  create: (options) => new AccuracyEvaluator(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, accuracyPlugin);
}
