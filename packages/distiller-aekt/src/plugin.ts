import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { createAektDistiller } from './aekt.distiller.js';
import { aektOptionsSchema, type AektOptions } from './aekt.options.js';

export const aektPlugin: DistillerPlugin<AektOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'aekt',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Adaptive explicit knowledge transfer',
    description:
      'AEKT (reconstructed): ceWeight·CE(z^cls, y) + w·τ²·(γ·sg(clip(p^T_t / p^S_t))·TCKD(z^kd, z^T) + β·NCKD(z^kd, z^T)), with z^kd = FC_ser(z^cls) a task-serialisation FC layer initialised to the identity, trained with the student and never exported.',
    paper: {
      title: 'Adaptive Explicit Knowledge Transfer for Knowledge Distillation',
      authors: 'Park, Lee',
      year: 2024,
      url: 'https://arxiv.org/abs/2409.01679',
    },
    reconstruction:
      'No official code or full method section was available: the adaptive target-class weighting, its clipping and the task-serialisation layer are reconstructed on DKD (see the README).',
    optionsSchema: aektOptionsSchema,
  },
  create: (options: AektOptions) => createAektDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, aektPlugin);
}
