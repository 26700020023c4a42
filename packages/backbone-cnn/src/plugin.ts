import { API_VERSION, definePlugin, registerPlugin, type BackbonePlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { cnnOptionsSchema, type CnnOptions } from './cnn.options.js';
import { CnnNetwork } from './cnn.network.js';

export const cnnPlugin: BackbonePlugin<CnnOptions> = definePlugin({
  manifest: {
    kind: 'backbone',
    name: 'cnn',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Small CNN',
    description: 'A configurable VGG-style CNN for small images (MNIST family, CIFAR): quick teachers and students.',
    optionsSchema: cnnOptionsSchema,
  },
  create: (options, context) => new CnnNetwork(options, context),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, cnnPlugin);
}
