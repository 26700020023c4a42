import type { DependencyContainer } from 'tsyringe';
import { API_VERSION, definePlugin, registerPlugin, type DistillerPlugin, type FactoryContext } from '@kd/core';
import { validatePeerSpec } from '@kd/distiller-dml';
import { runConfigOf } from '@kd/distiller-ft';
import { IeKdDistiller } from './ie-kd.distiller.js';
import { MutualIeKdDistiller } from './mutual-ie-kd.distiller.js';
import { ieKdOptionsSchema, type IeKdOptions } from './ie-kd.options.js';

export function createIeKdDistiller(
  o: IeKdOptions,
  context: Pick<FactoryContext, 'baseDir'> & { runConfig?: Readonly<Record<string, unknown>> | undefined; factory?: FactoryContext },
): IeKdDistiller | MutualIeKdDistiller {
  if (o.mode === 'mutual') return new MutualIeKdDistiller(context.factory ? { ...o, peer: validatePeerSpec(o.peer, context.factory) } : o);
  return new IeKdDistiller(o, { baseDir: context.baseDir, runConfig: context.runConfig });
}

export const ieKdPlugin: DistillerPlugin<IeKdOptions> = definePlugin({
  manifest: {
    kind: 'distiller',
    name: 'ie-kd',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Inheritance and exploration knowledge distillation',
    description:
      'IE-KD: stage "teacher-encoder" trains an auto-encoder on the frozen teacher’s feature (reconstruction loss, cached); stage "student" splits the student’s feature into inheritance and exploration parts with their own encoders: ceWeight·CE + kdWeight·KD + λ_inh·L_inh + λ_exp·L_exp. Reports linear CKA of both parts with the teacher’s factors.',
    paper: {
      title: 'Revisiting Knowledge Distillation: An Inheritance and Exploration Framework',
      authors: 'Huang, Shen, Xing, Liu, Tian, Li, Deng, Huang, Hua',
      year: 2021,
      url: 'https://arxiv.org/abs/2107.00181',
    },
    optionsSchema: ieKdOptionsSchema,
  },
  create: (options: IeKdOptions, context) =>
    createIeKdDistiller(options, { baseDir: context.baseDir, runConfig: runConfigOf(context), factory: context }),
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, ieKdPlugin);
}
