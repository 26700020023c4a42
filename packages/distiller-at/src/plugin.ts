import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { AtDistiller } from './at.distiller.js';
import { atOptionsSchema, type AtOptions } from './at.options.js';

export const atPlugin: DistillerPlugin<AtOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'at',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Attention transfer',
    description:
      'AT: ceWeight·CE + β·Σ_stages mean (Q_S − Q_T)², Q = vec(mean_c |F|^p) / ‖·‖₂ per sample, larger maps adaptive-average-pooled to the smaller size; optional kdWeight·τ²·KL logit term.',
    paper: {
      title: 'Paying More Attention to Attention: Improving the Performance of Convolutional Neural Networks via Attention Transfer',
      authors: 'Zagoruyko, Komodakis',
      year: 2017,
      url: 'https://arxiv.org/abs/1612.03928',
    },
    optionsSchema: atOptionsSchema,
  },
  create: (options: AtOptions) => new AtDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, atPlugin);
}
