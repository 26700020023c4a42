export { agreementPlugin, register } from './plugin.js';
export { AgreementEvaluator } from './agreement.evaluator.js';
export { agreementOptionsSchema, type AgreementOptions } from './agreement.options.js';
export { checkRunHasTeacher } from '@kd/core';
