import { API_VERSION, checkRunHasTeacher, definePlugin, registerPlugin, type EvaluatorPlugin } from '@kd/core';
import type { DependencyContainer } from 'tsyringe';
import { agreementOptionsSchema, type AgreementOptions } from './agreement.options.js';
import { AgreementEvaluator } from './agreement.evaluator.js';

export const agreementPlugin: EvaluatorPlugin<AgreementOptions> = definePlugin({
  manifest: {
    kind: 'evaluator',
    name: 'agreement',
    version: '0.1.0',
    apiVersion: API_VERSION,
    title: 'Teacher–student agreement',
    description: 'Top-1 agreement between teacher and student predictions and mean KL(teacher ‖ student) on the evaluation split.',
    paper: {
      title: 'Does Knowledge Distillation Really Work?',
      authors: 'Stanton, Izmailov, Kirichenko, Alemi, Wilson',
      year: 2021,
      url: 'https://arxiv.org/abs/2106.05945',
    },
    optionsSchema: agreementOptionsSchema,
  },
  create: (options, context) => {
    checkRunHasTeacher(context, 'agreement');
    return new AgreementEvaluator(options);
  },
});

/** Registers this package's plugins into a kd container. */
export function register(container: DependencyContainer): void {
  registerPlugin(container, agreementPlugin);
}
