import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { OfdDistiller } from './ofd.distiller.js';
import { ofdOptionsSchema, type OfdOptions } from './ofd.options.js';

export const ofdPlugin: DistillerPlugin<OfdOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'ofd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Overhaul of feature distillation',
    description:
      'OFD: ceWeight·CE + ofdWeight·Σ_stages 2^−(n−1−i)·partial L2 between conv+BN-connected student pre-activations and the teacher’s, clipped below at the teacher’s margin (mdistiller OFD / clovaai overhaul-distillation).',
    paper: {
      title: 'A Comprehensive Overhaul of Feature Distillation',
      authors: 'Heo, Kim, Yun, Park, Kwak, Choi',
      year: 2019,
      url: 'https://arxiv.org/abs/1904.01866',
    },
    optionsSchema: ofdOptionsSchema,
  },
  create: (options: OfdOptions) => new OfdDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, ofdPlugin);
}
