import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { SpDistiller } from './sp.distiller.js';
import { spOptionsSchema, type SpOptions } from './sp.options.js';

export const spPlugin: DistillerPlugin<SpOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'sp',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Similarity-preserving KD',
    description:
      'SP: ceWeight·CE + β·Σ_stages ‖G_S − G_T‖²_F / B², G the row-L2-normalised B × B Gram matrix of the flattened features; by default the last stage of each network.',
    paper: {
      title: 'Similarity-Preserving Knowledge Distillation',
      authors: 'Tung, Mori',
      year: 2019,
      url: 'https://arxiv.org/abs/1907.09682',
    },
    optionsSchema: spOptionsSchema,
  },
  create: (options: SpOptions) => new SpDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, spPlugin);
}
