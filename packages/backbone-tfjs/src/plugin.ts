import { API_VERSION, definePlugin, registerPlugin, type BackbonePlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { TfjsNetwork } from './tfjs.network.js';
import { tfjsOptionsSchema, type TfjsOptions } from './tfjs.options.js';

export const tfjsPlugin: BackbonePlugin<TfjsOptions> = definePlugin({
  manifest: {
    kind: 'backbone',
    name: 'tfjs',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'TensorFlow.js / Keras teacher',
    description:
      'Any TensorFlow.js layers model (saved by tfjs, or converted from Keras with tensorflowjs_converter) as a frozen teacher: its logits and named layers as stage features.',
    optionsSchema: tfjsOptionsSchema,
  },
  create: (options, context) => new TfjsNetwork(options, context),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, tfjsPlugin);
}
