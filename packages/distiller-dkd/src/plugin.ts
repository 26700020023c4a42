import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { createDkdDistiller } from './dkd.distiller.js';
import { dkdOptionsSchema, type DkdOptions } from './dkd.options.js';

export const dkdPlugin: DistillerPlugin<DkdOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'dkd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Decoupled knowledge distillation',
    description:
      'DKD: ceWeight·CE(student, labels) + w·τ²·(α·KL(b^T ‖ b^S) + β·KL(p̂^T ‖ p̂^S)) with binary target-vs-rest distributions b, non-target distributions p̂ and the linear warm-up w = min((epoch + 1) / warmupEpochs, 1).',
    paper: {
      title: 'Decoupled Knowledge Distillation',
      authors: 'Zhao, Cui, Song, Qiu, Liang',
      year: 2022,
      url: 'https://arxiv.org/abs/2203.08679',
    },
    optionsSchema: dkdOptionsSchema,
  },
  create: (options: DkdOptions) => createDkdDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, dkdPlugin);
}
