import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { NstDistiller } from './nst.distiller.js';
import { nstOptionsSchema, type NstOptions } from './nst.options.js';

export const nstPlugin: DistillerPlugin<NstOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'nst',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Neuron selectivity transfer',
    description:
      'NST: ceWeight·CE + β·Σ_stages MMD² between student and teacher channels (each a unit vector over the positions) with the polynomial kernel (⟨a, b⟩ + c)^d; larger maps adaptive-average-pooled to the smaller size.',
    paper: {
      title: 'Like What You Like: Knowledge Distill via Neuron Selectivity Transfer',
      authors: 'Huang, Wang',
      year: 2017,
      url: 'https://arxiv.org/abs/1707.01219',
    },
    optionsSchema: nstOptionsSchema,
  },
  create: (options: NstOptions) => new NstDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, nstPlugin);
}
