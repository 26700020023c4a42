import { API_VERSION, definePlugin, registerPlugin, type BackbonePlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { wrnOptionsSchema, type WrnOptions } from './wrn.options.js';
import { WrnNetwork } from './wrn.network.js';

export const wrnPlugin: BackbonePlugin<WrnOptions> = definePlugin({
  manifest: {
    kind: 'backbone',
    name: 'wrn',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'CIFAR Wide ResNet',
    description:
      'The CIFAR Wide ResNets of the RepDistiller / mdistiller model zoo (WRN-16-1, WRN-16-2, WRN-40-1, WRN-40-2, or any depth 6n + 4 and widen factor): standard KD teachers and students.',
    optionsSchema: wrnOptionsSchema,
  },
  create: (options, context) => new WrnNetwork(options, context),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, wrnPlugin);
}
