import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, RUN_CONFIG, type DistillerPlugin, type FactoryContext } from '@kd/core';
import { FtDistiller } from './ft.distiller.js';
import { ftOptionsSchema, type FtOptions } from './ft.options.js';

/** The validated run config when the factory runs inside a run's container (absent for option-only checks). */
export function runConfigOf(context: FactoryContext): Readonly<Record<string, unknown>> | undefined {
  return context.container.isRegistered(RUN_CONFIG, true) ? context.container.resolve(RUN_CONFIG) : undefined;
}

export function createFtDistiller(
  options: FtOptions,
  context: Pick<FactoryContext, 'baseDir'> & { runConfig?: Readonly<Record<string, unknown>> | undefined },
): FtDistiller {
  return new FtDistiller(options, { baseDir: context.baseDir, runConfig: context.runConfig });
}

export const ftPlugin: DistillerPlugin<FtOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'ft',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Factor transfer',
    description:
      'FT: stage "paraphraser" trains an auto-encoder on the frozen teacher’s feature (reconstruction loss); stage "student" trains the student and a translator with ceWeight·CE + β·mean|n(T(f_S)) − n(P(f_T))|^p.',
    paper: {
      title: 'Paraphrasing Complex Network: Network Compression via Factor Transfer',
      authors: 'Kim, Park, Kwak',
      year: 2018,
      url: 'https://arxiv.org/abs/1802.04977',
    },
    optionsSchema: ftOptionsSchema,
  },
  create: (options: FtOptions, context) => createFtDistiller(options, { baseDir: context.baseDir, runConfig: runConfigOf(context) }),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, ftPlugin);
}
