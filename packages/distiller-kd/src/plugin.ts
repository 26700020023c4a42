import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { createKdDistiller } from './kd.distiller.js';
import { kdOptionsSchema, type KdOptions } from './kd.options.js';

export const kdPlugin: DistillerPlugin<KdOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'kd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Knowledge distillation (Hinton et al.)',
    description:
      'Classic logit distillation: ceWeight·CE(student, labels) + kdWeight·τ²·KL(softmax(teacher/τ) ‖ softmax(student/τ)), batch-mean; optional logit standardisation.',
    paper: {
      title: 'Distilling the Knowledge in a Neural Network',
      authors: 'Hinton, Vinyals, Dean',
      year: 2015,
      url: 'https://arxiv.org/abs/1503.02531',
    },
    optionsSchema: kdOptionsSchema,
  },
  create: (options: KdOptions) => createKdDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, kdPlugin);
}
