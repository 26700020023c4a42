import { API_VERSION, definePlugin, registerPlugin, type BackbonePlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { shufflenetOptionsSchema, type ShufflenetOptions } from './shufflenet.options.js';
import { ShufflenetNetwork } from './shufflenet.network.js';

export const shufflenetPlugin: BackbonePlugin<ShufflenetOptions> = definePlugin({
  manifest: {
    kind: 'backbone',
    name: 'shufflenet',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'CIFAR ShuffleNetV1 / ShuffleNetV2',
    description:
      'The CIFAR ShuffleNetV1 and ShuffleNetV2 of the RepDistiller / mdistiller model zoo (ShuffleV1 and ShuffleV2, the "ShuffleNetV1" / "ShuffleNetV2" students of the KD tables).',
    optionsSchema: shufflenetOptionsSchema,
  },
  create: (options, context) => new ShufflenetNetwork(options, context),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, shufflenetPlugin);
}
