import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { KdsvdDistiller } from './kdsvd.distiller.js';
import { kdsvdOptionsSchema, type KdsvdOptions } from './kdsvd.options.js';

export const kdsvdPlugin: DistillerPlugin<KdsvdOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'kdsvd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Knowledge distillation with singular value decomposition',
    description:
      'KD-SVD: ceWeight·CE + β·Σ over consecutive stages of Σ (rbf_S − rbf_T)² / B, where rbf compares the top right singular vectors of two consecutive stage features entry by entry, the student’s vectors matched to the teacher’s by |cosine| and sign.',
    paper: {
      title: 'Self-supervised Knowledge Distillation Using Singular Value Decomposition',
      authors: 'Lee, Kim, Song',
      year: 2018,
      url: 'https://arxiv.org/abs/1807.06819',
    },
    optionsSchema: kdsvdOptionsSchema,
  },
  create: (options: KdsvdOptions) => new KdsvdDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, kdsvdPlugin);
}
