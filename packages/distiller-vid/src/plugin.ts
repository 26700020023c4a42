import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { VidDistiller } from './vid.distiller.js';
import { vidOptionsSchema, type VidOptions } from './vid.options.js';

export const vidPlugin: DistillerPlugin<VidOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'vid',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Variational information distillation',
    description:
      'VID: ceWeight·CE + vidWeight·Σ_stages Gaussian NLL of the teacher feature under N(μ(F_S), σ²), μ a three-layer 1×1-conv regressor and σ² a learned per-channel variance (mdistiller / RepDistiller VID).',
    paper: {
      title: 'Variational Information Distillation for Knowledge Transfer',
      authors: 'Ahn, Hu, Damianou, Lawrence, Dai',
      year: 2019,
      url: 'https://arxiv.org/abs/1904.05835',
    },
    optionsSchema: vidOptionsSchema,
  },
  create: (options: VidOptions) => new VidDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, vidPlugin);
}
