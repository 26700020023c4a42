import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { RkdDistiller } from './rkd.distiller.js';
import { rkdOptionsSchema, type RkdOptions } from './rkd.options.js';

export const rkdPlugin: DistillerPlugin<RkdOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'rkd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Relational knowledge distillation',
    description:
      'RKD: ceWeight·CE + distanceWeight·smoothL1 of the mean-normalised pairwise embedding distances + angleWeight·smoothL1 of the angles of every sample triple, student vs teacher.',
    paper: {
      title: 'Relational Knowledge Distillation',
      authors: 'Park, Kim, Lu, Cho',
      year: 2019,
      url: 'https://arxiv.org/abs/1904.05068',
    },
    optionsSchema: rkdOptionsSchema,
  },
  create: (options: RkdOptions) => new RkdDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, rkdPlugin);
}
