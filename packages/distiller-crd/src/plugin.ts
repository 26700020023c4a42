import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { CrdDistiller } from './crd.distiller.js';
import { crdOptionsSchema, type CrdOptions } from './crd.options.js';

export const crdPlugin: DistillerPlugin<CrdOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'crd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'CRD',
    description:
      'Contrastive Representation Distillation: NCE between embedded student and teacher representations against momentum memory banks over the training set',
    paper: {
      title: 'Contrastive Representation Distillation',
      authors: 'Tian, Krishnan, Isola',
      year: 2020,
      url: 'https://arxiv.org/abs/1910.10699',
    },
    optionsSchema: crdOptionsSchema,
  },
  create: (options) => new CrdDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, crdPlugin);
}
