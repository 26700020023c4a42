import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin } from '@kd/core';
import { FitnetDistiller } from './fitnet.distiller.js';
import { fitnetOptionsSchema, type FitnetOptions } from './fitnet.options.js';

export const fitnetPlugin: DistillerPlugin<FitnetOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'fitnet',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'FitNets hints',
    description:
      'FitNet: ceWeight·CE + hintWeight·MSE(r(F_S), F_T) with r = conv → BN → ReLU (mdistiller ConvReg) from a student stage to a teacher stage; optional logit KD term and the paper’s two-stage schedule.',
    paper: {
      title: 'FitNets: Hints for Thin Deep Nets',
      authors: 'Romero, Ballas, Kahou, Chassang, Gatta, Bengio',
      year: 2015,
      url: 'https://arxiv.org/abs/1412.6550',
    },
    optionsSchema: fitnetOptionsSchema,
  },
  create: (options: FitnetOptions) => new FitnetDistiller(options),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, fitnetPlugin);
}
