import { API_VERSION, definePlugin, registerPlugin, type BackbonePlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { mobilenetOptionsSchema, type MobilenetOptions } from './mobilenet.options.js';
import { MobilenetNetwork } from './mobilenet.network.js';

export const mobilenetPlugin: BackbonePlugin<MobilenetOptions> = definePlugin({
  manifest: {
    kind: 'backbone',
    name: 'mobilenet',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'CIFAR MobileNetV2',
    description:
      'The CIFAR MobileNetV2 of the RepDistiller / mdistiller model zoo (mobilenetv2 and the half-width mobile_half, the "MobileNetV2" student of the KD tables) and the ImageNet MobileNetV1 (the ResNet50 → MobileNetV1 student).',
    optionsSchema: mobilenetOptionsSchema,
  },
  create: (options, context) => new MobilenetNetwork(options, context),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, mobilenetPlugin);
}
