import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { LakdDistiller } from './lakd.distiller.js';
import { lakdOptionsSchema, type LakdOptions } from './lakd.options.js';

export const lakdPlugin: DistillerPlugin<LakdOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'lakd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'LAKD: local modules with independent gradients and non-directional activation maps',
    description:
      'Local-learning distillation: each stage group of the student is updated only by its own feature and activation-map loss against the teacher, with gradients truncated between modules, so memory follows the largest module.',
    paper: {
      title: 'LAKD-Activation Mapping Distillation Based on Local Learning',
      authors: 'Zhang, Zhang, Zhao, Zhang, Zhu',
      year: 2024,
      url: 'https://arxiv.org/abs/2408.11478',
    },
    reconstruction:
      'No official code or full method section was available: the activation maps (NDAM), the local losses and their weights are reconstructed from the abstract and figures (see the README).',
    optionsSchema: lakdOptionsSchema,
  },
  create: (options) => new LakdDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, lakdPlugin);
}
