import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { PktDistiller } from './pkt.distiller.js';
import { pktOptionsSchema, type PktOptions } from './pkt.options.js';

export const pktPlugin: DistillerPlugin<PktOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'pkt',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Probabilistic knowledge transfer',
    description:
      'PKT: ceWeight·CE + β·mean_ij P_T·log((P_T + ε)/(P_S + ε)), P the row-normalised (cos + 1)/2 kernel between the pooled embeddings of a batch.',
    paper: {
      title: 'Learning Deep Representations with Probabilistic Knowledge Transfer',
      authors: 'Passalis, Tefas',
      year: 2018,
      url: 'https://arxiv.org/abs/1803.10837',
    },
    optionsSchema: pktOptionsSchema,
  },
  create: (options: PktOptions) => new PktDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, pktPlugin);
}
