import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { DistDistiller } from './dist.distiller.js';
import { distOptionsSchema, type DistOptions } from './dist.options.js';

export const distPlugin: DistillerPlugin<DistOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'dist',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'DIST',
    description:
      'DIST: ceWeight·CE + τ²·(β·(1 − mean_b Pearson(y_S[b], y_T[b])) + γ·(1 − mean_c Pearson(y_S[:, c], y_T[:, c]))), y = softmax(z/τ).',
    paper: {
      title: 'Knowledge Distillation from A Stronger Teacher',
      authors: 'Huang, You, Wang, Qian, Xu',
      year: 2022,
      url: 'https://arxiv.org/abs/2205.10536',
    },
    optionsSchema: distOptionsSchema,
  },
  create: (options: DistOptions) => new DistDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, distPlugin);
}
