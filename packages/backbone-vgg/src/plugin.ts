import { API_VERSION, definePlugin, registerPlugin, type BackbonePlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { vggOptionsSchema, type VggOptions } from './vgg.options.js';
import { VggNetwork } from './vgg.network.js';

export const vggPlugin: BackbonePlugin<VggOptions> = definePlugin({
  manifest: {
    kind: 'backbone',
    name: 'vgg',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'CIFAR VGG (batch norm)',
    description:
      'The CIFAR VGGs with batch norm of the RepDistiller / mdistiller model zoo (vgg8, vgg11, vgg13, vgg16, vgg19): standard KD teachers and students.',
    optionsSchema: vggOptionsSchema,
  },
  create: (options, context) => new VggNetwork(options, context),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, vggPlugin);
}
