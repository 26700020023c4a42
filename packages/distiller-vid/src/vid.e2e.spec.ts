import { register as registerCnn } from '@kd/backbone-cnn';
import { register as registerIdx } from '@kd/dataset-idx';
import { register as registerAccuracy } from '@kd/evaluator-accuracy';
import { describeDistillerE2e } from '@kd/testing';
import { register } from './index.js';

describeDistillerE2e({
  distiller: { name: 'vid' },
  registers: [registerIdx, registerCnn, registerAccuracy, register],
  size: { trainLimit: 256 },
  terms: ['ce', 'vid'],
  falling: ['vid'],
  // the regressors and variances are checkpointed; the exported student has none of them
  checkpointed: { tensors: ['vid::stage1/conv1', 'vid::stage2/conv3', 'vid::stage2/alpha'], notExported: 'alpha' },
});
