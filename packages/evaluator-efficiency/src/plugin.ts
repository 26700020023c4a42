import { API_VERSION, definePlugin, registerPlugin, type EvaluatorPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { efficiencyOptionsSchema, type EfficiencyOptions } from './efficiency.options.js';
import { EfficiencyEvaluator } from './efficiency.evaluator.js';

export const efficiencyPlugin: EvaluatorPlugin<EfficiencyOptions> = definePlugin({
  manifest: {
    kind: 'evaluator',
    name: 'efficiency',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Efficiency',
    description: 'Parameters, FLOPs, median inference latency and images per second of the student and the teacher on the active backend.',
    optionsSchema: efficiencyOptionsSchema,
  },
  create: (options) => new EfficiencyEvaluator(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, efficiencyPlugin);
}
