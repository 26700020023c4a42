import { API_VERSION, definePlugin, registerPlugin, type BackbonePlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { resnetOptionsSchema, type ResnetOptions } from './resnet.options.js';
import { ResnetNetwork } from './resnet.network.js';

export const resnetPlugin: BackbonePlugin<ResnetOptions> = definePlugin({
  manifest: {
    kind: 'backbone',
    name: 'resnet',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'CIFAR ResNet',
    description:
      'The CIFAR ResNets of the RepDistiller / mdistiller model zoo (resnet8–110, resnet8x4, resnet32x4; cifar_resnet18/50 of resnetv2.py) and the torchvision ImageNet ResNets (resnet18/34/50): the standard KD teachers and students.',
    optionsSchema: resnetOptionsSchema,
  },
  create: (options, context) => new ResnetNetwork(options, context),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, resnetPlugin);
}
