import { API_VERSION, definePlugin, registerPlugin, type TrackerPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { tensorboardOptionsSchema, type TensorboardOptions } from './tensorboard.options.js';
import { TensorboardTracker } from './tensorboard.tracker.js';

export const tensorboardPlugin: TrackerPlugin<TensorboardOptions> = definePlugin({
  manifest: {
    kind: 'tracker',
    name: 'tensorboard',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'TensorBoard event files',
    description: 'Writes step losses, learning rate and epoch metrics as TensorBoard scalars (tfevents files) in the run directory.',
    optionsSchema: tensorboardOptionsSchema,
  },
  create: (options) => new TensorboardTracker(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, tensorboardPlugin);
}
